"""Settings come from SHUXIANG_* variables, typed, with defaults and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from shuxiang.core.options import OPTIONS, OptionError


def test_every_option_has_a_description_and_a_default_type():
    for option in OPTIONS.values():
        assert option.description.endswith(".")
        assert option.env_name.startswith("SHUXIANG_")


def test_unset_option_falls_back_to_its_default():
    assert OPTIONS["LANGUAGE"].read({}) == "zh-hans"


@pytest.mark.parametrize("raw, expected", [("true", True), ("0", False), ("YES", True)])
def test_boolean_options_accept_common_spellings(raw, expected):
    assert OPTIONS["DEBUG"].read({"SHUXIANG_DEBUG": raw}) is expected


def test_a_malformed_boolean_names_the_variable():
    with pytest.raises(OptionError, match="SHUXIANG_DEBUG"):
        OPTIONS["DEBUG"].read({"SHUXIANG_DEBUG": "perhaps"})


def test_list_and_path_options_are_parsed():
    assert OPTIONS["ALLOWED_HOSTS"].read({"SHUXIANG_ALLOWED_HOSTS": "a.cn, b.cn"}) == [
        "a.cn",
        "b.cn",
    ]
    assert isinstance(OPTIONS["DATA_DIR"].read({"SHUXIANG_DATA_DIR": "/tmp/x"}), Path)
