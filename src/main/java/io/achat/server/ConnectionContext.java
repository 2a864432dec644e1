package io.achat.server;

import io.achat.config.ChatConfig;
import io.achat.ops.ChatMetrics;
import io.vertx.core.Vertx;

/**
 * What a {@link Connection} needs of its accept loop, all used on the loop's context: the
 * configuration and counts, the registered names ({@code accounts}, null without
 * {@code accountsFile}), its place at the door, the logs, the line decoder, the way to the broker
 * and back ({@code inbox}, the loop's event-bus address), and the memory budget.
 */
record ConnectionContext(Vertx vertx, ChatConfig config, ChatMetrics metrics, Accounts accounts, Doorkeeper doorkeeper,
                         LoopLogs logs, LineDecoder decoder, BrokerOutbox broker, String inbox, MemoryBudget memory,
                         LoopConnections connections) {
}
