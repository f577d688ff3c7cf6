"""aemodels.images: pictures, grids, error maps, weight tiles and code strips."""

import numpy as np
import torch

from aemodels.images import code_strip, error_map, filter_grid, make_grid, to_image


def test_code_strip_colours_sign_and_size():
    strip = np.asarray(code_strip(torch.tensor([-2.0, 0.0, 1.0]), cell=4))
    assert strip.shape == (4, 12, 3)
    assert tuple(strip[0, 0]) == (0, 0, 255)  # the most negative value: full blue
    assert tuple(strip[0, 4]) == (255, 255, 255)  # zero: white
    assert strip[0, 8, 0] == 255 and strip[0, 8, 2] < 255  # positive: towards red


def test_filter_grid_scales_each_tile_around_grey():
    weights = torch.zeros(3, 784)
    weights[1, 0], weights[2, 0] = 5.0, -0.001
    grid = np.asarray(filter_grid(weights, ncol=3, scale=1))
    assert grid.shape == (32, 92)
    tiles = [grid[2:30, 2 + 30 * i : 30 + 30 * i] for i in range(3)]
    assert tiles[0].min() == tiles[0].max() == 128  # zero weights are mid-grey
    assert tiles[1][0, 0] == 255 and tiles[2][0, 0] == 0  # each tile reaches its own extreme


def test_pictures():
    x = torch.rand(10, 1, 28, 28)
    assert to_image(x[0], scale=4).size == (112, 112)
    grid = make_grid(x, ncol=4, scale=1, pad=2)
    assert grid.size == (4 * 30 + 2, 3 * 30 + 2)
    heat = error_map(torch.zeros(1, 1, 28, 28), torch.ones(1, 1, 28, 28), scale=1)
    assert heat.getpixel((0, 0)) == (255, 255, 0)
