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

  /** Defaults for tests and callers that set only some fields. */
  public static Settings of(String host, int port, int clients) {
    return new Settings(host, port, clients, Math.min(3, clients - 1), 16, 1000, 0,
      Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ZERO, "u", 256, 0);
  }

  public Settings withRecipients(int n) {
    return new Settings(host, port, clients, n, window, rate, size, warmup, duration, drain, hold, prefix, connectConcurrency, serverPid);
  }

  public Settings withTiming(Duration warmup, Duration duration) {
    return new Settings(host, port, clients, recipients, window, rate, size, warmup, duration, drain, hold, prefix, connectConcurrency, serverPid);
  }

  public Settings withDrain(Duration wait) {
    return new Settings(host, port, clients, recipients, window, rate, size, warmup, duration, wait, hold, prefix, connectConcurrency, serverPid);
  }

  public Settings withRate(double messagesPerSecond) {
    return new Settings(host, port, clients, recipients, window, messagesPerSecond, size, warmup, duration, drain, hold, prefix, connectConcurrency, serverPid);
  }

  public Settings withPrefix(String loginPrefix) {
    return new Settings(host, port, clients, recipients, window, rate, size, warmup, duration, drain, hold, loginPrefix, connectConcurrency, serverPid);
  }
}
