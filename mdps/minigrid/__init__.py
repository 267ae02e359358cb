"""MiniGrid FourRooms for the polychromic study: envs (minigrid layouts + an exact vectorised simulator),
the BFS expert and behaviour cloning, PPO / Poly-PPO / REINFORCE, vines, set objectives and pass@k."""
