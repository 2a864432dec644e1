package io.achat.bench;

import java.time.Duration;

/**
 * One benchmark run: where, how many clients, and how they load the server.
 *
 * @param recipients distinct other clients each message goes to
 * @param window     throughput mode: messages a client may have in flight (closed loop)
 * @param rate       latency mode: messages per second over all clients (open loop)
 * @param size       bytes of padding added to each message's text
 * @param serverPid  idle mode: the server process whose resident memory is read, or 0
 */
public record Settings(
  String host,
  int port,
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
  long serverPid) {

  public Settings {
    if (clients < 1) {
      throw new IllegalArgumentException("--clients must be at least 1");
    }
    if (recipients < 0 || recipients > clients - 1) {
      throw new IllegalArgumentException("--recipients must be between 0 and clients - 1");
    }
  }
}
