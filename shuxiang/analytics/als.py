"""Implicit-feedback ALS (隐式反馈矩阵分解), measured against item-kNN in the offline evaluation.

Readers' histories become a reader × item matrix of ones (confidence ``alpha``); the
``implicit`` library factorises it. A reader's scores are their factor row times the item
factors, recomputed from the items they read, so a reader unseen in training is served too. The
read item whose factors are closest to a recommended item's explains it. ``implicit`` is a bench
dependency only (item-kNN measured better, see docs/analytics.md); this module imports it lazily.
"""

from __future__ import annotations

from collections.abc import Iterable

MISSING = "ALS needs the 'implicit' package: .venv/bin/pip install implicit (bench only)"


class ALSRecommender:
    """Fit on histories, then ``score_reader``-like answers: (item, score, because)."""

    def __init__(
        self,
        factors: int = 64,
        iterations: int = 15,
        regularization: float = 0.05,
        alpha: float = 20.0,
        seed: int = 17,
    ):
        try:
            from implicit.cpu.als import AlternatingLeastSquares
        except ImportError as error:  # pragma: no cover - depends on the bench environment
            raise RuntimeError(MISSING) from error
        self.model = AlternatingLeastSquares(
            factors=factors,
            iterations=iterations,
            regularization=regularization,
            alpha=alpha,
            random_state=seed,
        )
        self.items: list[str] = []
        self.index: dict[str, int] = {}

    def _rows(self, histories: list[Iterable[str]]):
        from scipy.sparse import csr_matrix

        cells = [
            (r, self.index[i]) for r, read in enumerate(histories) for i in read if i in self.index
        ]
        rows, cols = zip(*cells, strict=True) if cells else ((), ())
        shape = (len(histories), len(self.items))
        return csr_matrix(([1.0] * len(rows), (rows, cols)), shape=shape, dtype="float32")

    def fit(self, histories: dict[str, set[str]]) -> ALSRecommender:
        self.items = sorted({item for read in histories.values() for item in read})
        self.index = {item: n for n, item in enumerate(self.items)}
        self.model.fit(self._rows(list(histories.values())), show_progress=False)
        return self

    def recommend(self, read: set[str], n: int = 20) -> list[tuple[str, float, str]]:
        known = [self.index[i] for i in read if i in self.index]
        if not known:
            return []
        row = self._rows([read])
        ids, scores = self.model.recommend(
            0, row, N=n, recalculate_user=True, filter_already_liked_items=True
        )
        factors = self.model.item_factors
        found = []
        for item, score in zip(ids.tolist(), scores.tolist(), strict=True):
            because = max(known, key=lambda k: float(factors[k] @ factors[item]))
            found.append((self.items[item], float(score), self.items[because]))
        return found
