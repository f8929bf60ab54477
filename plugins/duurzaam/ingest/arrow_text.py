"""Text columns as Arrow arrays, and their offsets read as numpy: the BSN checks, the
pseudonymisation, the date parsing and the reader look at a million cells at once this way,
not cell by cell."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pyarrow is imported where it is used, as everywhere in duurzaam
    import pandas as pd
    import pyarrow as pa


def text_array(values: pd.Series, type: pa.DataType) -> Any:
    """The column as one Arrow array of `type` (string or large_string): a column read in
    chunks is combined, missing values stay missing."""
    import pyarrow as pa

    cells = pa.array(values, type=type, from_pandas=True)
    return cells.combine_chunks() if isinstance(cells, pa.ChunkedArray) else cells


def value_offsets(cells: Any) -> np.ndarray:
    """Where each cell of an Arrow string or binary array (large or not) starts in its data
    buffer, and where the last one ends: len(cells) + 1 positions, as int64, the array's own
    offset (a slice) applied."""
    import pyarrow as pa

    large = pa.types.is_large_string(cells.type) or pa.types.is_large_binary(cells.type)
    offsets = np.frombuffer(cells.buffers()[1], dtype=np.int64 if large else np.int32)
    return offsets[cells.offset : cells.offset + len(cells) + 1].astype(np.int64, copy=False)
