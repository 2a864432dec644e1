package io.achat.bench;

/**
 * Latency mode: messages fall due at a fixed total rate, whether or not the server keeps up, and
 * latency counts from when each was due, so a stall is charged to every message queued behind it.
 */
final class OpenLoop {

  private final Load load;
  private final double perMicro;
  private final StringBuilder[] batches;
  private long start;
  private long scheduled;

  OpenLoop(Load load) {
    this.load = load;
    this.perMicro = load.settings.rate() / 1_000_000.0;
    this.batches = new StringBuilder[load.clients.length];
  }

  Report run() throws Exception {
    Settings settings = load.settings;
    String header = String.format("latency: %d clients, %d recipients each, %.0f messages/s, %s warm-up, %s measured%n",
      settings.clients(), settings.recipients(), settings.rate(), settings.warmup(), settings.duration());
    return load.run("latency", header, now -> {
      start = now;
      load.vertx.setPeriodic(1, this::tick);
    });
  }

  /** Sends what fell due since the last tick, one send per client (one write over TCP). */
  private void tick(long timer) {
    long now = load.micros();
    if (now >= load.measureUntil || !load.sending) {
      load.sending = false;
      load.vertx.cancelTimer(timer);
      return;
    }
    Client[] clients = load.clients;
    long due = (long) ((now - start) * perMicro);
    for (; scheduled < due; scheduled++) {
      Client from = clients[(int) (scheduled % clients.length)];
      if (batches[from.index] == null) {
        batches[from.index] = new StringBuilder(128);
      }
      load.compose(batches[from.index], from, start + (long) (scheduled / perMicro));
    }
    for (int i = 0; i < batches.length; i++) {
      if (batches[i] != null) {
        clients[i].link.send(batches[i].toString());
        batches[i] = null;
      }
    }
  }
}
