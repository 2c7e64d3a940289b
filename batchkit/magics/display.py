"""How %batch shows a result: the first rows, a visible count when there are more, the backend."""

from __future__ import annotations

import pandas as pd


class Shown(pd.DataFrame):
    """A DataFrame whose display is cut to `shown_rows` and says so; anything derived is a plain frame."""

    _metadata = ["shown_rows"]

    @property
    def _constructor(self):
        return pd.DataFrame

    def _note(self) -> str:
        notes = []
        if len(self) > self.shown_rows:
            notes.append(f"showing {self.shown_rows} of {len(self)} rows")
        if self.attrs.get("backend"):
            notes.append(f"backend: {self.attrs['backend']}")
        return "; ".join(notes)

    def _head(self) -> pd.DataFrame:
        return pd.DataFrame(self).head(self.shown_rows)

    def __repr__(self) -> str:
        note = self._note()
        return repr(self._head()) + (f"\n({note})" if note else "")

    def _repr_html_(self) -> str:
        note = self._note()
        return self._head()._repr_html_() + (f"<p><i>{note}</i></p>" if note else "")


def shown(df: pd.DataFrame, rows: int) -> Shown:
    result = Shown(df)
    result.attrs = df.attrs
    result.shown_rows = max(int(rows), 1)
    return result
