"""aemodels.sparsity: the statistics of a sparse code."""

import numpy as np
import pytest

from aemodels.sparsity import sparsity_stats


def test_sparsity_stats_on_a_hand_case():
    h = np.zeros((4, 3))
    h[:, 0] = [0.05, 0.05, 0.05, 0.05]  # unit 0 exactly at rho
    h[:, 1] = [0.9, 0.0, 0.0, 0.0]  # unit 1: mean 0.225, one strong firing
    stats = sparsity_stats(h, target=0.05)
    assert stats.unit_means == pytest.approx([0.05, 0.225, 0.0])
    assert stats.units_near_target == 1
    assert stats.mean_activation == pytest.approx(h.mean())
    assert stats.relative_to_target == pytest.approx((h.mean() - 0.05) / 0.05)
    assert stats.share_strong == pytest.approx(1 / 12)
    assert stats.order.tolist() == [1, 0, 2]
    with pytest.raises(ValueError, match="strictly between"):
        sparsity_stats(h, target=1.5)
    with pytest.raises(ValueError, match="non-empty"):
        sparsity_stats(np.zeros(3), target=0.05)
