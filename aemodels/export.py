"""A model's decoder as plain data for the in-browser decoder (components/live_decoder.js): a list of layers
and one little-endian float32 buffer holding every weight. No pickle, no code: the browser reads numbers.

Layers, in order: {"op": "linear", "in", "out", "w", "b"} (w is (out, in) row-major, as torch stores it),
{"op": "relu"}, {"op": "reshape", "shape"}, {"op": "conv_transpose2d" | "conv2d", "in", "out", "k", "stride",
"padding", "w", "b"} (torch's weight layouts: (in, out, k, k) for the transpose, (out, in, k, k) for conv), and a
final {"op": "sigmoid"}. "w" and "b" are offsets (in floats) into the buffer.
"""

from __future__ import annotations

import hashlib

import numpy as np
import torch
from torch import nn

from aemodels.models import Autoencoder, LinearAE


class ExportError(ValueError):
    """The model has a layer the browser decoder does not implement."""


def export_decoder(model: Autoencoder) -> tuple[dict, bytes]:
    """(manifest, float32 buffer) of the model's decoder: z (d,) -> 784 pixels in [0, 1]."""
    decoder = getattr(model, "decoder", None)
    if isinstance(model, LinearAE) or not isinstance(decoder, nn.Sequential):
        raise ExportError(f"{type(model).__name__} has no sequential decoder to export")
    chunks: list[np.ndarray] = []
    offset = 0

    def put(tensor: torch.Tensor) -> int:
        nonlocal offset
        array = tensor.detach().to(torch.float32).contiguous().numpy().ravel()
        chunks.append(array)
        start, offset = offset, offset + array.size
        return start

    layers: list[dict] = []
    for module in decoder:
        if isinstance(module, nn.Linear):
            layers.append(
                {
                    "op": "linear",
                    "in": module.in_features,
                    "out": module.out_features,
                    "w": put(module.weight),
                    "b": put(module.bias),
                }
            )
        elif isinstance(module, nn.ReLU):
            layers.append({"op": "relu"})
        elif isinstance(module, nn.Unflatten):
            layers.append({"op": "reshape", "shape": list(module.unflattened_size)})
        elif isinstance(module, (nn.ConvTranspose2d, nn.Conv2d)):
            square = (
                module.kernel_size[0] == module.kernel_size[1]
                and module.stride[0] == module.stride[1]
                and module.padding[0] == module.padding[1]
            )
            plain = (
                module.groups == 1
                and module.dilation == (1, 1)
                and module.bias is not None
                and getattr(module, "output_padding", (0, 0)) == (0, 0)
            )
            if not (square and plain) or module.bias is None:
                raise ExportError(f"unsupported convolution settings in {module}")
            op = "conv_transpose2d" if isinstance(module, nn.ConvTranspose2d) else "conv2d"
            layers.append(
                {
                    "op": op,
                    "in": module.in_channels,
                    "out": module.out_channels,
                    "k": module.kernel_size[0],
                    "stride": module.stride[0],
                    "padding": module.padding[0],
                    "w": put(module.weight),
                    "b": put(module.bias),
                }
            )
        else:
            raise ExportError(f"the browser decoder has no {type(module).__name__} layer")
    layers.append({"op": "sigmoid"})
    buffer = np.concatenate(chunks).astype("<f4").tobytes()
    manifest = {
        "latent_dim": model.latent_dim,
        "layers": layers,
        "floats": offset,
        "sha256": hashlib.sha256(buffer).hexdigest(),
    }
    return manifest, buffer
