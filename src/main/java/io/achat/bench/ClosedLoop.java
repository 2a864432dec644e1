package io.achat.bench;

import java.util.ArrayList;
import java.util.List;

/** Throughput mode: each client keeps {@code window} messages in flight to random others. */
final class ClosedLoop {

  private final Load load;
  private final int recipients;
  private final long windowDeliveries;
  /** Clients whose window opened during this turn of the loop. */
  private final List<Client> opened = new ArrayList<>();
  private boolean refillScheduled;

  ClosedLoop(Load load) {
    this.load = load;
    this.recipients = load.settings.recipients();
    this.windowDeliveries = (long) load.settings.window() * recipients;
  }

  Report run() throws Exception {
    Settings settings = load.settings;
    String header = String.format("throughput: %d clients, %d recipients each, window %d, %s warm-up, %s measured%n",
      settings.clients(), settings.recipients(), settings.window(), settings.warmup(), settings.duration());
    return load.run("throughput", header, start -> {
      load.closedLoop = this;
      for (Client client : load.clients) {
        refill(client);
      }
    });
  }

  /**
   * Refills once all reads of this turn of the event loop are handled, so that a client whose
   * window opened several times in one turn sends one batch in one write.
   */
  void windowOpened(Client sender) {
    if (!load.sending || sender.dirty) {
      return;
    }
    sender.dirty = true;
    opened.add(sender);
    if (!refillScheduled) {
      refillScheduled = true;
      load.context.runOnContext(v -> {
        refillScheduled = false;
        for (Client client : opened) {
          client.dirty = false;
          refill(client);
        }
        opened.clear();
      });
    }
  }

  private void refill(Client client) {
    if (recipients == 0 || !load.sending) {
      return;
    }
    StringBuilder batch = null;
    while (client.outstanding + recipients <= windowDeliveries) {
      if (batch == null) {
        batch = new StringBuilder(128);
      }
      load.compose(batch, client, load.micros());
    }
    if (batch != null) {
      client.link.send(batch.toString());
    }
  }
}
