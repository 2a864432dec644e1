package io.achat.ops;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.List;
import java.util.Optional;

/**
 * Whether the heap is exhausted: a pool of it still {@code fraction} full of its maximum after
 * the garbage collector has worked on it. An {@code OutOfMemoryError} does not always reach
 * a-chat (Netty logs and drops one thrown in some of its own tasks); a heap that stays full after
 * collections is what such an error leaves, so the watchdog ends the process on it too.
 */
public final class HeapWatch {

  private final List<MemoryPoolMXBean> pools;

  /**
   * Watches the old generation: the heap pools that report their use after a collection and have
   * a maximum, but for the young ones (a survivor space is often full right after a collection).
   * Sets their collection usage threshold, one per JVM: the launcher's.
   */
  public HeapWatch(double fraction) {
    pools = ManagementFactory.getMemoryPoolMXBeans().stream()
      .filter(pool -> pool.getType() == MemoryType.HEAP && pool.isCollectionUsageThresholdSupported()
        && pool.getUsage().getMax() > 0 && !pool.getName().contains("Eden") && !pool.getName().contains("Survivor"))
      .toList();
    for (MemoryPoolMXBean pool : pools) {
      pool.setCollectionUsageThreshold(Math.max(1, (long) (pool.getUsage().getMax() * fraction)));
    }
  }

  /** The pool still past the fraction after its latest collection, with its use then, if any is. */
  public Optional<String> exhausted() {
    for (MemoryPoolMXBean pool : pools) {
      if (pool.isCollectionUsageThresholdExceeded()) {
        MemoryUsage after = pool.getCollectionUsage();
        return Optional.of(pool.getName() + " held " + after.getUsed() / (1024 * 1024) + " of "
          + after.getMax() / (1024 * 1024) + " MiB after a collection");
      }
    }
    return Optional.empty();
  }
}
