"""PyTorch anchor on a CUDA GPU for the wgpu backend's figures (run by scripts/gpu_bench.sh).

Two shapes:
  (a) the learning bench's (`cargo bench --bench learning`): batch 4096, obs 140, actions 28, one
      actor+critic update (forward, backward, SGD with momentum) per batch, as
      shared/bench/torch_mlp_update.py does on the CPU;
  (b) MimicKit's default DeepMimic PPO iteration update (4096 envs x 32 steps = 131,072 samples,
      obs 464, 1024-512 ReLU nets, SGD with momentum at 1e-4, 5 epochs x 8 minibatches of 16,384,
      one summed loss and one step per minibatch), the shape `bevy_mimic train` logs as Update_Time
      with deepmimic_humanoid_ppo.yaml at --num_envs 4096.
Every timing ends with torch.cuda.synchronize(), so it counts the GPU's work, not the launches."""
import time
import torch

dev = torch.device("cuda")
torch.manual_seed(0)


def mlp(i, hs, o):
    layers, d = [], i
    for h in hs:
        layers += [torch.nn.Linear(d, h), torch.nn.ReLU()]
        d = h
    layers.append(torch.nn.Linear(d, o))
    return torch.nn.Sequential(*layers).to(dev)


def ppo_loss(actor, critic, x, a, adv, tar, old, logstd):
    mu = actor(x)
    logp = (-0.5 * ((a - mu) / logstd.exp()) ** 2).sum(-1)
    r = torch.exp(logp - old)
    return -torch.min(r * adv, r.clamp(0.8, 1.2) * adv).mean() + ((critic(x).squeeze(-1) - tar) ** 2).mean()


def timed(f, seconds):
    for _ in range(3):
        f()
    torch.cuda.synchronize()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        f()
        n += 1
    torch.cuda.synchronize()
    return (time.perf_counter() - t0) / n


def bench_batch(hs, obs=140, act=28, batch=4096, seconds=3.0):
    actor, critic = mlp(obs, hs, act), mlp(obs, hs, 1)
    opt = torch.optim.SGD(list(actor.parameters()) + list(critic.parameters()), lr=1e-4, momentum=0.9)
    x, a = torch.randn(batch, obs, device=dev), torch.randn(batch, act, device=dev)
    adv, tar = torch.randn(batch, device=dev), torch.randn(batch, device=dev)
    logstd = torch.full((act,), -3.0, device=dev)
    with torch.no_grad():
        inf = timed(lambda: (actor(x), critic(x)), seconds)
        old = (-0.5 * ((a - actor(x)) / logstd.exp()) ** 2).sum(-1)

    def step():
        loss = ppo_loss(actor, critic, x, a, adv, tar, old, logstd)
        opt.zero_grad()
        loss.backward()
        opt.step()

    upd = timed(step, seconds)
    print(f"(a) hidden={hs} batch={batch}: inference {batch / inf:,.0f} samples/s, "
          f"actor+critic update {batch / upd:,.0f} samples/s")


def bench_default_iteration(seconds=5.0):
    obs, act, n, mb, epochs = 464, 28, 4096 * 32, 16384, 5
    actor, critic = mlp(obs, [1024, 512], act), mlp(obs, [1024, 512], 1)
    opt = torch.optim.SGD(list(actor.parameters()) + list(critic.parameters()), lr=1e-4, momentum=0.9)
    x, a = torch.randn(n, obs, device=dev), torch.randn(n, act, device=dev)
    adv, tar = torch.randn(n, device=dev), torch.randn(n, device=dev)
    logstd = torch.full((act,), -3.0, device=dev)
    with torch.no_grad():
        old = (-0.5 * ((a - actor(x)) / logstd.exp()) ** 2).sum(-1)

    def iteration():
        with torch.no_grad():
            critic(x)  # the value pass for TD(lambda)
        for _ in range(epochs):
            perm = torch.randperm(n, device=dev)
            for s in range(0, n, mb):
                i = perm[s:s + mb]
                loss = ppo_loss(actor, critic, x[i], a[i], adv[i], tar[i], old[i], logstd)
                opt.zero_grad()
                loss.backward()
                opt.step()

    dt = timed(iteration, seconds)
    print(f"(b) MimicKit default PPO iteration (131,072 samples, 1024-512, 5 x 8 minibatches of 16,384): "
          f"{dt * 1000:.1f} ms = {n / dt:,.0f} samples/s")


print(f"torch {torch.__version__} on {torch.cuda.get_device_name(0)}")
bench_batch([1024, 512])
bench_batch([256, 128])
bench_default_iteration()
