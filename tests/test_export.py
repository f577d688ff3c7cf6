"""The decoder as plain data for the browser (aemodels.export): read back by an interpreter written here from the
manifest's own description (layers in order, offsets into one float32 buffer), it decodes what the model decodes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from aemodels import AEConfig, build_model
from aemodels.export import ExportError, export_decoder


def run_manifest(manifest: dict, buffer: bytes, z: torch.Tensor) -> torch.Tensor:
    """Decode z (d,) by the manifest, layer by layer, with torch's functional ops on the buffer's numbers."""
    weights = torch.from_numpy(np.frombuffer(buffer, dtype="<f4").copy())
    assert len(weights) == manifest["floats"]
    x = z.reshape(1, -1)
    for layer in manifest["layers"]:
        op = layer["op"]
        if op == "linear":
            w = weights[layer["w"] : layer["w"] + layer["out"] * layer["in"]].view(layer["out"], layer["in"])
            x = F.linear(x.flatten(1), w, weights[layer["b"] : layer["b"] + layer["out"]])
        elif op == "relu":
            x = F.relu(x)
        elif op == "reshape":
            x = x.view(1, *layer["shape"])
        elif op in ("conv2d", "conv_transpose2d"):
            k, cin, cout = layer["k"], layer["in"], layer["out"]
            shape = (cout, cin, k, k) if op == "conv2d" else (cin, cout, k, k)
            w = weights[layer["w"] : layer["w"] + cin * cout * k * k].view(shape)
            b = weights[layer["b"] : layer["b"] + cout]
            conv = F.conv2d if op == "conv2d" else F.conv_transpose2d
            x = conv(x, w, b, stride=layer["stride"], padding=layer["padding"])
        elif op == "sigmoid":
            x = torch.sigmoid(x)
        else:
            raise AssertionError(f"an op the manifest should not hold: {op}")
    return x.flatten()


@pytest.mark.parametrize("kind", ["mlp", "conv", "vae_mlp", "vae_conv"])
def test_the_exported_decoder_decodes_what_the_model_decodes(kind):
    model = build_model(AEConfig(kind=kind, latent_dim=5), generator=torch.Generator().manual_seed(0)).eval()
    manifest, buffer = export_decoder(model)
    assert manifest["latent_dim"] == 5 and manifest["layers"][-1]["op"] == "sigmoid"
    z = torch.randn(3, 5, generator=torch.Generator().manual_seed(1))
    with torch.inference_mode():
        expected = model.decode(z).flatten(1)
    got = torch.stack([run_manifest(manifest, buffer, code) for code in z])
    assert torch.allclose(got, expected, atol=1e-5)


@pytest.mark.parametrize(
    "config", [AEConfig(kind="linear", latent_dim=3, recon_loss="mse"), AEConfig(kind="sparse", latent_dim=8)]
)
def test_a_model_without_a_sequential_decoder_is_refused_in_words(config):
    with pytest.raises(ExportError, match="no sequential decoder"):
        export_decoder(build_model(config))
