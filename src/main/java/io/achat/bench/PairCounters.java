package io.achat.bench;

import java.util.HashMap;
import java.util.Map;

/** One int per (sender, recipient) pair: a flat array while that fits, a map beyond. */
final class PairCounters {

  private static final long FLAT_LIMIT = 16L << 20;

  private final int clients;
  private int[] flat;
  private final Map<Long, int[]> sparse = new HashMap<>();

  PairCounters(int clients) {
    this.clients = clients;
  }

  int get(int from, int to) {
    if ((long) clients * clients <= FLAT_LIMIT) {
      return flat == null ? 0 : flat[from * clients + to];
    }
    int[] value = sparse.get((long) from * clients + to);
    return value == null ? 0 : value[0];
  }

  void set(int from, int to, int value) {
    if ((long) clients * clients <= FLAT_LIMIT) {
      if (flat == null) {
        flat = new int[clients * clients];
      }
      flat[from * clients + to] = value;
    } else {
      sparse.computeIfAbsent((long) from * clients + to, k -> new int[1])[0] = value;
    }
  }
}
