package io.achat.ops;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.List;
import java.util.Optional;

/**
 * Whether the heap is exhausted: its old generation still {@code fraction} full of its maximum
 * after the garbage collector last worked on it. An {@code OutOfMemoryError} does not always
 * reach a-chat (Netty logs and drops one thrown in some of its own tasks); a heap that stays full
 * after collections is what such an error leaves, so the watchdog ends the process on it too.
 */
public final class HeapWatch {

  private final double fraction;
  private final List<MemoryPoolMXBean> pools;

  /**
   * Watches the heap pools that report their use after a collection and have a maximum, but for
   * the young ones (a survivor space is often full right after a collection).
   */
  public HeapWatch(double fraction) {
    this.fraction = fraction;
    pools = ManagementFactory.getMemoryPoolMXBeans().stream()
      .filter(pool -> pool.getType() == MemoryType.HEAP && pool.isCollectionUsageThresholdSupported()
        && !pool.getName().contains("Eden") && !pool.getName().contains("Survivor"))
      .toList();
  }

  /** The pool still past the fraction after its latest collection, with its use then, if any is. */
  public Optional<String> exhausted() {
    for (MemoryPoolMXBean pool : pools) {
      MemoryUsage after = pool.getCollectionUsage();
      if (after != null && after.getMax() > 0 && after.getUsed() >= fraction * after.getMax()) {
        return Optional.of(pool.getName() + " held " + after.getUsed() / (1024 * 1024) + " of "
          + after.getMax() / (1024 * 1024) + " MiB after a collection");
      }
    }
    return Optional.empty();
  }
}
