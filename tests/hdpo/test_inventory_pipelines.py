"""Library pieces the HDPO suite drives: scenario sets per model, reading off a base-stock level, settings."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from mdps.inventory.demand import DemandSpec
from mdps.inventory.levels import OrderRecorder, order_up_to_levels
from mdps.inventory.policies import BaseStockPolicy
from mdps.inventory.scenarios import (
    sample_warehouse_instance,
    serial_scenarios,
    store_scenarios,
    warehouse_scenarios,
)
from mdps.inventory.settings import SerialChain, StoreGrid, TrainingSettings
from mdps.inventory.simulator import simulate_stores


def _gens(*seeds: int) -> list[torch.Generator]:
    return [torch.Generator().manual_seed(s) for s in seeds]


def test_a_models_scenarios_depend_only_on_its_own_generator():
    spec = DemandSpec("poisson", (5.0,), (0.0,))
    alone = store_scenarios(spec, _gens(7), 16, 10, 3, integer=True)
    batched = store_scenarios(spec, _gens(1, 7, 2), 16, 10, 3, integer=True)
    for key in ("demand", "state"):
        assert torch.equal(alone[key][0], batched[key][1])
    assert torch.equal(alone["state"], alone["state"].round())
    chains = serial_scenarios(5.0, 2.0, (2, 4), _gens(3, 4), 8, 12)
    assert chains["demand"].shape == (2, 8, 12) and chains["state1"].shape == (2, 8, 4)
    instances = [sample_warehouse_instance(5, g) for g in _gens(5, 6)]
    net = warehouse_scenarios(instances, _gens(8, 9), 4, 6, 0.5, 3)
    assert net["store_state"].shape == (2, 4, 5, 3) and net["warehouse_state"].shape == (2, 4, 3)
    beyond = torch.arange(3)[None, :] >= instances[0].lead[:, None]  # slots past a store's lead time are empty
    assert torch.all(net["store_state"][0][:, beyond] == 0)
    assert instances[0].features().shape == (5, 5)


def test_order_up_to_levels_recovers_a_base_stock_policy():
    levels = torch.tensor([[15.0], [21.0]])
    data = store_scenarios(DemandSpec("normal", (5.0,), (1.6,)), _gens(0, 1), 32, 60, 2, integer=False)
    recorder = OrderRecorder(BaseStockPolicy(levels))
    simulate_stores(recorder, data["demand"], data["state"], torch.tensor(1.0), torch.tensor(9.0), False)
    assert len(recorder.rows) == 60
    assert torch.allclose(order_up_to_levels(recorder, warmup=10), levels[:, 0], atol=1e-4)


def test_settings_read_their_fields_off_any_object_and_validate():
    source = SimpleNamespace(train_scenarios=8, batch_size=4, periods=5, epochs=1, lr=1e-3, hidden=(4,),
                             dev_scenarios=4, dev_periods=5, dev_warmup=1, test_scenarios=4, test_periods=5,
                             test_warmup=1, eval_every=1, plateau_window=2, plateau_tolerance=0.0,
                             unrelated="ignored")
    assert TrainingSettings.of(source).hidden == (4,)
    with pytest.raises(ValueError, match="warm-up"):
        TrainingSettings.of(SimpleNamespace(**{**vars(source), "test_warmup": 5}))
    with pytest.raises(ValueError, match="plateau window"):
        TrainingSettings.of(SimpleNamespace(**{**vars(source), "plateau_window": 0}))
    with pytest.raises(ValueError, match="non-empty"):
        StoreGrid(False, (), (1,), 1.0, 5.0, 1.6)
    assert StoreGrid(True, (9.0,), (1,), 1.0, 5.0, 0.0).demand().kind == "poisson"
    with pytest.raises(ValueError, match="locations"):
        SerialChain((2,), (0.1,), 9.0, 5.0, 2.0, 16)
