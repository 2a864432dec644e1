package io.achat.config;

import io.vertx.core.eventbus.DeliveryOptions;

/**
 * Every event-bus address a-chat uses, in one place that every package may read. In a-chat's
 * code an event-bus address is a bus address, or an inbox when it is where one verticle takes
 * its messages; "address" alone is a client's IP address (the per-address rules).
 */
public final class BusAddresses {

  /** Where accept loops send their events to the node's broker. */
  public static final String BROKER = "a-chat.broker";
  /** Where the management server asks the broker how it is (a JSON status). */
  public static final String BROKER_STATUS = "a-chat.broker.status";
  /** Where every broker of a cluster publishes its users' comings and goings. */
  public static final String DIRECTORY = "a-chat.directory";
  /** Each accept loop publishes {@code host:port} here once it listens (the real port when 0 was asked for). */
  public static final String LISTENING = "a-chat.listening";
  /** The management server publishes {@code http://host:port} here once it listens. */
  public static final String MANAGEMENT_LISTENING = "a-chat.management";
  /** Where an accept loop within its share of maxClientMemory tells the others that the node is over it. */
  public static final String MEMORY_OVER = "a-chat.memory.over";

  /** Delivery options of everything between the verticles of one node. */
  public static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private BusAddresses() {
  }

  /** The address of the broker of cluster node {@code node}. */
  public static String node(String node) {
    return "a-chat.node." + node;
  }

  /** The address of one accept loop, for the broker's deliveries to it. */
  public static String loop(String id) {
    return "a-chat.loop." + id;
  }
}
