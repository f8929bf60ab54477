"""How a frame reaches the suite process: every way gives it back as it was sent."""

import io

import pandas as pd
import pytest

from duurzaam.suite_process import _FrameForChild, _read_frame


@pytest.mark.parametrize("how", ["shared", "arrow", "pickle"])
def test_a_frame_reaches_the_suite_process_as_it_was_sent(how):
    frame = pd.DataFrame(
        {
            "text": pd.Series(["a", None, "Zoë"], dtype="str"),
            "number": [1.5, None, 3.0],
            "flag": [True, False, True],
        },
        index=pd.RangeIndex(2, 5, name="row"),
    )
    if how == "pickle":  # a column Arrow cannot hold
        frame["mixed"] = pd.Series([1, "a", None], index=frame.index, dtype=object)
    pipe = io.BytesIO()
    with _FrameForChild(frame, shared=how == "shared") as sent:
        assert sent.how == how
        sent.write_to(pipe)
        pipe.seek(0)
        received = _read_frame({"frame": sent.how, "path": sent.path}, pipe)
    pd.testing.assert_frame_equal(received, frame)
