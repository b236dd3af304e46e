//! Running an engine's per-world work on Bevy's compute pool.

use bevy::tasks::ComputeTaskPool;

/// Runs `f` on every item, in parallel on the compute pool when there is more than one (a
/// single item runs inline, allocating nothing).
pub(crate) fn for_each_parallel<T: Send>(items: impl Iterator<Item = T>, f: impl Fn(T) + Sync) {
    let mut items = items.peekable();
    let Some(first) = items.next() else { return };
    if items.peek().is_none() {
        f(first);
        return;
    }
    let f = &f;
    ComputeTaskPool::get().scope(|s| {
        s.spawn(async move { f(first) });
        for item in items {
            s.spawn(async move { f(item) });
        }
    });
}
