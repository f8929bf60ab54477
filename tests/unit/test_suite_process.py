"""How a frame reaches the suite process: every way gives it back as it was sent."""

import io
import os

import pandas as pd
import pytest

from duurzaam.ingest import suite_process
from duurzaam.ingest.suite_process import _FrameForChild, _read_frame


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


def test_a_frame_that_cannot_be_written_to_shared_memory_leaves_no_descriptor_open(monkeypatch):
    def no_room(rows, path):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(suite_process, "_write_arrow_file", no_room)
    frame = pd.DataFrame({"text": pd.Series(["a"], dtype="str")})
    descriptors = len(os.listdir("/proc/self/fd"))
    for _ in range(3):
        with pytest.raises(OSError, match="No space"):
            _FrameForChild(frame)
    assert len(os.listdir("/proc/self/fd")) == descriptors
