"""Inventory networks for HDPO (Alvo, Russo, Kanoria 2023): a batched differentiable simulator (``simulator``),
demand sampling (``demand``), policies (``policies``, ``gnn``), trainers (``hdpo``, ``reinforce``) and
independent references (``dp`` for lost sales, ``solvers`` for base-stock / capped / echelon-stock)."""
