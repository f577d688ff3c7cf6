"""aemodels.capacity: the capacity curve (PCA, linear and nonlinear autoencoders against the code size)."""

import json

import numpy as np

from aemodels.capacity import compute


def test_capacity_curve_smoke_and_resume(tmp_path, mnist_dir):

    out = tmp_path / "capacity.json"
    kwargs = {
        "linear_epochs": 1,
        "nonlinear_epochs": 1,
        "data_dir": mnist_dir,
        "limit": 300,
        "runs_dir": tmp_path / "runs",
        "out": out,
        "quiet": True,
    }
    first = compute((2, 4), **kwargs)
    assert [row["d"] for row in first["rows"]] == [2, 4]
    for row in first["rows"]:
        assert all(np.isfinite(row[key]) and row[key] > 0 for key in ("pca", "linear_ae", "nonlinear_ae"))
    assert first["rows"][1]["pca"] < first["rows"][0]["pca"]  # nested PCA subspaces: more components, less error
    second = compute((2, 4, 8), **kwargs)  # finished sizes are kept, the new one is added
    assert second["rows"][:2] == first["rows"] and second["rows"][2]["d"] == 8
    assert json.loads(out.read_text()) == second
