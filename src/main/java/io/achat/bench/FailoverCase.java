package io.achat.bench;

/** A case of {@code bench failover}: what node 3 is sent, and when. */
enum FailoverCase {
  KILL_SETTLED("kill-settled", "KILL", true, "kill -9, cluster settled"),
  KILL_JOINED("kill-joined", "KILL", false, "kill -9, right after node 3 listened"),
  STOP_SETTLED("stop-settled", "STOP", true, "SIGSTOP, cluster settled"),
  STOP_JOINED("stop-joined", "STOP", false, "SIGSTOP, right after node 3 listened");

  final String id;
  final String signal;
  final boolean settled;
  final String title;

  FailoverCase(String id, String signal, boolean settled, String title) {
    this.id = id;
    this.signal = signal;
    this.settled = settled;
    this.title = title;
  }

  static FailoverCase of(String id) {
    for (FailoverCase c : values()) {
      if (c.id.equals(id)) {
        return c;
      }
    }
    throw new IllegalArgumentException("unknown case '" + id + "': kill-settled, kill-joined, stop-settled or stop-joined");
  }
}
