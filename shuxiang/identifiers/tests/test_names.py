"""Identifier syntax: minted suffixes carry an NCDA check character; supplied ones are checked."""

from __future__ import annotations

import random

import pytest

from shuxiang.core.errors import ValidationFailed
from shuxiang.identifiers import names


def test_check_character_matches_the_published_noid_example():
    assert names.check_char("13030/xf93gt2") == "q"


def _sample(count: int = 60) -> list[str]:
    rng = random.Random(4)
    prefixes = ["sx.330600", "sx.nlc", "20.500.x.620123"[:18], "sx.1"]
    out = []
    for i in range(count):
        prefix = prefixes[i % len(prefixes)]
        out.append(f"{prefix}/{names.mint_suffix(prefix)}")
    rng.shuffle(out)
    return out


def test_minted_identifiers_validate_and_are_short_enough_for_the_algorithm():
    for name in _sample():
        assert names.has_valid_check(name)
        assert len(name) <= 29
        assert names.looks_minted(names.split(name)[1])


def test_every_single_character_substitution_in_the_suffix_is_caught():
    for name in _sample():
        start = name.index("/") + 1
        for position in range(start, len(name)):
            for char in names.ALPHABET:
                if char == name[position]:
                    continue
                typo = name[:position] + char + name[position + 1 :]
                assert not names.has_valid_check(typo), (name, typo)


def test_every_adjacent_transposition_in_the_suffix_is_caught():
    for name in _sample():
        start = name.index("/") + 1
        for position in range(start, len(name) - 1):
            a, b = name[position], name[position + 1]
            if a == b:
                continue
            swapped = name[:position] + b + a + name[position + 2 :]
            assert not names.has_valid_check(swapped), (name, swapped)


@pytest.mark.parametrize("bad", ["a b", "书香", "x/y", "a?b", "a#b", "-lead", "é", "a%20b"])
def test_supplied_suffixes_with_bad_characters_are_refused_naming_the_field(bad):
    with pytest.raises(ValidationFailed) as caught:
        names.clean_suffix(bad)
    assert caught.value.errors[0].field == "suffix"
    assert caught.value.errors[0].code == "bad_characters"


def test_supplied_suffixes_are_normalised_to_lower_case():
    assert names.clean_suffix("  GuJi-2020_01.v2~a ") == "guji-2020_01.v2~a"


def test_too_long_suffix_is_refused():
    with pytest.raises(ValidationFailed) as caught:
        names.clean_suffix("a" * 129)
    assert caught.value.errors[0].code == "too_long"


def test_normalise_strips_handle_scheme_and_folds_case():
    assert names.normalise(" hdl:SX.330600/AbC ") == "sx.330600/abc"
