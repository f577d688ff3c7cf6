import torch

from aemodels import load_pretrained
from aemodels.train import train


def test_smoke_run_writes_a_loadable_checkpoint(tmp_path, mnist_dir):
    path = train(
        "ae2", epochs=1, limit=300, data_dir=mnist_dir, out_dir=tmp_path, runs_dir=tmp_path / "runs", quiet=True
    )
    model = load_pretrained("ae2", directory=tmp_path)
    assert path.name == "ae2.json"
    assert model.info["training"]["data"] == "MNIST train, first 300 digits"
    assert model.info["recipe"]["epochs"] == 1


def test_resumed_run_equals_unbroken_run(tmp_path, mnist_dir):
    common = {"epochs": 3, "limit": 200, "data_dir": mnist_dir, "quiet": True}
    train("vae2", out_dir=tmp_path / "a", runs_dir=tmp_path / "runs_a", **common)
    assert train("vae2", out_dir=tmp_path / "b", runs_dir=tmp_path / "runs_b", stop_after=1, **common) is None
    assert not (tmp_path / "b").exists()
    train("vae2", out_dir=tmp_path / "b", runs_dir=tmp_path / "runs_b", **common)
    a = load_pretrained("vae2", directory=tmp_path / "a").state_dict()
    b = load_pretrained("vae2", directory=tmp_path / "b").state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
