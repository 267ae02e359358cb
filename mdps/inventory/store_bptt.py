"""Stores + vanilla MLP policy with a hand-written backward pass through time (same numbers as autograd, faster).

HDPO's pathwise gradient (paper eq. (4)) for ``simulate_stores`` driven by a ``StoreMLPPolicy``. The forward
pass runs the very same operations as ``simulate_stores(policy, …)`` (so costs are bit-identical); the backward
pass is the adjoint recursion of that simulation, written out instead of recorded by autograd. With state
x_t = (x⁰, …, x^{L−1}), order q_t = μ·softplus(f_θ(x_t/μ)) and post_t = x⁰_t − d_t, the period map is

    x_{t+1} = (post'_t + x¹_t, x²_t, …, x^{L−1}_t, q_t),   post'_t = post_t (backlog) or (post_t)⁺ (lost sales),
    c_t     = h·post_t + (h + p)·(−post_t)⁺,

so, with ḡ = ∂J/∂x_{t+1} and the incoming cost adjoint ċ_t = ∂J/∂c_t, the adjoint of x_t is

    ∂J/∂x⁰_t   = ḡ⁰·1[post_t > 0 or backlog] + ċ_t·(h − (h + p)·1[post_t < 0]),
    ∂J/∂x^l_t  = ḡ^{l−1} (l ≥ 1)  +  (∂J/∂q_t)·∂q_t/∂x^l_t  with ∂J/∂q_t = ḡ^{L−1},

and ∂q/∂x and ∂q/∂θ are the MLP's usual backward (ELU′ = min(a, 0) + 1 from the saved output a;
softplus′ = sigmoid). Subgradients at the kinks follow autograd's conventions (relu′(0) = 0). Autograd's graph
for 50 periods holds ~2,000 nodes whose bookkeeping, allocation and unfused element-wise kernels cost more than
the arithmetic; the recursion reuses the saved activations directly and accumulates the weight gradients in
place. ``tests/hdpo/test_store_bptt.py`` checks costs and gradients against autograd through ``simulate_stores``.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from mdps.inventory.policies import StoreMLPPolicy, elu_into
from mdps.inventory.simulator import period_cost

_idle: dict[tuple, list[list[torch.Tensor]]] = {}
"""Idle buffer sets by shape (the last two shapes used, e.g. a training batch's and an evaluation chunk's), kept
for the next rollouts: a fresh allocation of a few hundred MB costs first-touch page faults on every call, more
than the arithmetic written into it."""


def _take_buffers(shapes: list[tuple[int, ...]], like: torch.Tensor) -> tuple[tuple, list[torch.Tensor]]:
    key = (tuple(shapes), like.dtype, like.device)
    if _idle.get(key):
        return key, _idle[key].pop()
    return key, [like.new_empty(shape) for shape in shapes]


def _give_back(key: tuple, buffers: list[torch.Tensor]) -> None:
    sets = _idle.pop(key, [])
    if len(sets) < 2:
        sets.append(buffers)
    _idle[key] = sets  # most recently used last
    while len(_idle) > 2:
        del _idle[next(iter(_idle))]


class _BufferLease:
    """Holds a rollout's buffers while its graph lives (a second rollout before the backward gets its own);
    hands them back for reuse when the graph is freed."""

    def __init__(self, key: tuple, buffers: list[torch.Tensor]):
        self.key, self.buffers = key, buffers

    def __del__(self) -> None:
        _give_back(self.key, self.buffers)


class _StoreMLPRollout(torch.autograd.Function):
    """costs (M, B, T) = simulate_stores(StoreMLPPolicy, …), differentiable in the MLP's weights and biases.

    The state lives in one time-major window buffer P (T + L, M, B, S): at period t, P[t] is the on-hand stock
    x⁰_t and P[t + l] the pipeline x^l_t, so the period map is two in-place writes, P[t + L] = q_t and
    P[t + 1] += post'_t, and the adjoint is one buffer of the same shape, read in reverse.
    """

    @staticmethod
    def forward(ctx, demand: torch.Tensor, state: torch.Tensor, holding: torch.Tensor, underage: torch.Tensor,
                scale: torch.Tensor, lost_sales: bool, keep: bool, *params: torch.Tensor) -> torch.Tensor:
        layers = len(params) // 2
        weights, biases = params[:layers], params[layers:]
        m, b, s, periods = demand.shape
        lead = state.shape[-1]
        slots = periods if keep else 1
        # activations[i][t]: input of layer i at period t (i = 0: the scaled state); pre[t]: the last layer's
        # output; then an ELU scratch, the state window, post, and the backward's work buffers
        widest = max((w.shape[2] for w in weights[:-1]), default=1)
        shapes = ([(slots, m, b, w.shape[1]) for w in weights]
                  + [(slots, m, b, s), (m * b * widest,), (periods + lead, m, b, s), (periods, m, b, s)]
                  + [(m, b, w.shape[1]) for w in weights] * 2)
        key, buffers = _take_buffers(shapes, demand)
        activations, pre, scratch = buffers[:layers], buffers[layers], buffers[layers + 1]
        window, post = buffers[layers + 2].zero_(), buffers[layers + 3]
        window[:lead] = state.permute(3, 0, 1, 2)
        demand_by_period = demand.permute(3, 0, 1, 2)
        order_scale = scale[..., 0]
        for t in range(periods):
            slot = t if keep else 0
            h = activations[0][slot]
            torch.div(window[t:t + lead].permute(1, 2, 3, 0), scale, out=h.view(m, b, s, lead))
            for i in range(layers - 1):
                h = torch.bmm(h, weights[i], out=activations[i + 1][slot]).add_(biases[i])
                h = elu_into(h, scratch[:h.numel()].view(h.shape), h)
            out = torch.bmm(h, weights[-1], out=pre[slot].view(m, b, s)).add_(biases[-1])
            torch.mul(order_scale, F.softplus(out), out=window[t + lead])
            torch.sub(window[t], demand_by_period[t], out=post[t])
            window[t + 1] += torch.relu(post[t]) if lost_sales else post[t]
        costs = period_cost(post, holding, underage).sum(-1).permute(1, 2, 0)
        if keep:
            ctx.lease = _BufferLease(key, buffers)
            ctx.lost_sales = lost_sales
            ctx.save_for_backward(holding, underage, scale, *weights)
        else:
            _give_back(key, buffers)
        return costs

    @staticmethod
    def backward(ctx, grad_costs: torch.Tensor):
        holding, underage, scale, *weights = ctx.saved_tensors
        buffers = ctx.lease.buffers
        layers = len(weights)
        activations, pre, window, post = buffers[:layers], buffers[layers], buffers[layers + 2], buffers[layers + 3]
        grad_in, grad_hidden = buffers[layers + 4:2 * layers + 4], buffers[2 * layers + 4:]
        periods, m, b, s = pre.shape
        lead = activations[0].shape[-1] // s
        cost_slope = grad_costs.permute(2, 0, 1).unsqueeze(-1) * (holding - (holding + underage) * (post < 0))
        order_slope = torch.where(pre > 20.0, 1.0, torch.sigmoid(pre)) * scale[..., 0]  # F.softplus's threshold
        passes = post > 0 if ctx.lost_sales else None
        inverse_scale = (1.0 / scale).permute(3, 0, 1, 2)
        grad_w = [torch.zeros_like(w) for w in weights]
        grad_b = [w.new_zeros(m, 1, w.shape[-1]) for w in weights]
        grad_window = window.zero_()  # the state window is free now: it becomes ∂J/∂P, completed in reverse
        for t in range(periods - 1, -1, -1):
            carried = grad_window[t + 1] * passes[t] if passes is not None else grad_window[t + 1]
            grad_window[t] += carried + cost_slope[t]
            g = (grad_window[t + lead] * order_slope[t]).view(m, b, s)
            for i in range(layers - 1, -1, -1):
                a = activations[i][t]
                grad_w[i].baddbmm_(a.transpose(1, 2), g)
                grad_b[i] += g.sum(1, keepdim=True)
                g_a = torch.bmm(g, weights[i].transpose(1, 2), out=grad_in[i])
                if i > 0:
                    g = torch.ops.aten.elu_backward.grad_input(g_a, 1.0, 1.0, 1.0, True, a,
                                                               grad_input=grad_hidden[i])
                else:
                    g = g_a
            grad_window[t:t + lead].addcmul_(g.view(m, b, s, lead).permute(3, 0, 1, 2), inverse_scale)
        ctx.lease = None
        return (None, None, None, None, None, None, None, *grad_w, *grad_b)


def simulate_stores_mlp(policy: StoreMLPPolicy, demand: torch.Tensor, initial_state: torch.Tensor,
                        holding: torch.Tensor | float, underage: torch.Tensor | float,
                        lost_sales: bool) -> torch.Tensor:
    """``simulate_stores(policy, …)`` for a ``StoreMLPPolicy`` (no order rounding), with the backward above.

    demand (M, B, S, T); initial_state (M, B, S, L); holding / underage broadcastable to (M, B, S).
    Returns costs (M, B, T) summed over stores, equal to ``simulate_stores``'s bit for bit; gradients flow to
    the policy's weights and biases only (not to demand, state or costs' parameters). Without grad mode (or
    without parameters that need gradients) nothing is saved, and the forward is the fast path for evaluation.
    """
    if not isinstance(policy, StoreMLPPolicy):
        raise TypeError(f"simulate_stores_mlp needs a StoreMLPPolicy, got {type(policy).__name__}")
    if demand.dim() != 4 or initial_state.dim() != 4 or initial_state.shape[:3] != demand.shape[:3]:
        raise ValueError(f"demand (M, B, S, T) and initial_state (M, B, S, L) disagree: {tuple(demand.shape)} "
                         f"vs {tuple(initial_state.shape)}")
    net = policy.net
    params = (*net.weights, *net.biases)
    keep = torch.is_grad_enabled() and any(p.requires_grad for p in params)
    dtype, device = demand.dtype, demand.device
    return _StoreMLPRollout.apply(demand, initial_state, torch.as_tensor(holding, dtype=dtype, device=device),
                                  torch.as_tensor(underage, dtype=dtype, device=device), policy.scale, lost_sales,
                                  keep, *params)
