package io.achat.bench;

import java.time.Duration;
import java.util.List;

/**
 * One benchmark run: where, how many clients, and how they load the server.
 *
 * @param targets    server addresses; client {@code i} connects to {@code targets[i % targets.size()]},
 *                   so that the brokers of one chat behind several addresses share the load evenly
 * @param recipients distinct other clients each message goes to, whichever address they are on
 * @param window     throughput mode: messages a client may have in flight (closed loop)
 * @param rate       latency mode: messages per second over all clients (open loop)
 * @param size       bytes of padding added to each message's text
 * @param serverPids the server processes whose CPU time (throughput, latency) or resident memory (idle)
 *                   is read and summed, or none
 */
public record Settings(
  List<Address> targets,
  int clients,
  int recipients,
  int window,
  double rate,
  int size,
  Duration warmup,
  Duration duration,
  Duration drain,
  Duration hold,
  String prefix,
  int connectConcurrency,
  List<Long> serverPids) {

  public Settings {
    targets = List.copyOf(targets);
    serverPids = List.copyOf(serverPids);
    if (targets.isEmpty()) {
      throw new IllegalArgumentException("at least one server address is needed");
    }
    if (clients < 1) {
      throw new IllegalArgumentException("--clients must be at least 1");
    }
    if (recipients < 0 || recipients > clients - 1) {
      throw new IllegalArgumentException("--recipients must be between 0 and clients - 1");
    }
  }

  /** The address client {@code index} connects to: round robin over the targets. */
  Address target(int index) {
    return targets.get(index % targets.size());
  }
}
