"""The switch for batchkit's two fast paths: ``BATCHKIT_FAST_PATHS=0`` turns both off.

`fastparse` (Batch's JSON responses taken as decoded, without botocore's walk) and
`gcpause` (the cyclic GC paused during bulk calls) give the results of the plain
paths, only sooner, and `fastparse` steps aside by itself on a botocore it does
not recognise.  The switch rules both out by hand; it is read once, at import.
"""

from __future__ import annotations

import os

ON = os.environ.get("BATCHKIT_FAST_PATHS", "1").strip().lower() not in {"0", "false", "no", "off"}
