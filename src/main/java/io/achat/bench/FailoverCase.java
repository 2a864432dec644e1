package io.achat.bench;

/**
 * A case of {@code bench failover}: what node 3 (or node 1, the oldest) is sent, when, and what
 * else happens meanwhile: node 2 leaving (SIGTERM, a graceful leave) at the same moment, or a
 * flood of lines from a survivor to the signalled node's users through it all.
 */
enum FailoverCase {
  KILL_SETTLED("kill-settled", "KILL", true, false, false, false, "kill -9, cluster settled"),
  KILL_JOINED("kill-joined", "KILL", false, false, false, false, "kill -9, right after node 3 listened"),
  KILL_LEAVING("kill-leaving", "KILL", true, true, false, false, "kill -9 while node 2 leaves"),
  KILL_FLOOD("kill-flood", "KILL", true, false, true, false, "kill -9 under a flood"),
  KILL_OLDEST("kill-oldest", "KILL", true, false, false, true, "kill -9 of node 1, the oldest"),
  STOP_SETTLED("stop-settled", "STOP", true, false, false, false, "SIGSTOP, cluster settled"),
  STOP_JOINED("stop-joined", "STOP", false, false, false, false, "SIGSTOP, right after node 3 listened"),
  STOP_LEAVING("stop-leaving", "STOP", true, true, false, false, "SIGSTOP while node 2 leaves"),
  STOP_OLDEST("stop-oldest", "STOP", true, false, false, true, "SIGSTOP of node 1, the oldest");

  /** Every case's id, as {@code --cases} takes them. */
  static final String IDS = "kill-settled, kill-joined, kill-leaving, kill-flood, kill-oldest, stop-settled, stop-joined,"
    + " stop-leaving, stop-oldest";

  final String id;
  final String signal;
  final boolean settled;
  /** Whether node 2 leaves as node 3 is signalled: node 1 is then the only survivor. */
  final boolean leaving;
  /** Whether a user on a survivor sends the signalled node's users lines as fast as the server takes them. */
  final boolean flood;
  /**
   * Whether node 1, the oldest member (Hazelcast's master, a-chat's deputy), is signalled
   * instead of node 3; its users are tried on node 2 and node 3.
   */
  final boolean oldest;
  final String title;

  FailoverCase(String id, String signal, boolean settled, boolean leaving, boolean flood, boolean oldest,
               String title) {
    this.id = id;
    this.signal = signal;
    this.settled = settled;
    this.leaving = leaving;
    this.flood = flood;
    this.oldest = oldest;
    this.title = title;
  }

  static FailoverCase of(String id) {
    for (FailoverCase c : values()) {
      if (c.id.equals(id)) {
        return c;
      }
    }
    throw new IllegalArgumentException("unknown case '" + id + "': " + IDS);
  }
}
