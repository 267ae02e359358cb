"""The llm experiments end to end, one module per study; each takes a loaded model, validated settings
(:mod:`llm_bridge.pipelines.settings`) and the generators of one seed, and returns an
:class:`~llm_bridge.pipelines.outcome.Outcome` (metrics and series).

- :mod:`.same_estimators`: batched bridge losses/gradients vs ``bandits.objectives``; CoPG Prop. 3 on LM weights.
- :mod:`.k_choice`: offline CoPG / IPO / naive PG (with and without a reward shift) vs the exact π*_K.
- :mod:`.reward_ordering`: offline CoPG / IPO / DPO on the arithmetic reward; held-out reward by SNIS.
- :mod:`.nash_md_pg`: Nash-MD-PG with several mixtures β on rock–paper–scissors; exact win-rates.
- :mod:`.gpu_scale`: the K-choice runs on CUDA with throughput and peak memory.
"""
