package io.achat;

import io.achat.broker.BrokerVerticle;
import io.achat.broker.LocalCodec;
import io.achat.config.ChatConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The a-chat server as one deployable unit: reads the configuration, then deploys the broker,
 * which deploys the accept loops. Deploy it into any Vert.x instance; undeploying it (or closing
 * Vert.x) is the clean shutdown.
 */
public final class ChatVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(ChatVerticle.class);

  private volatile SocketAddress localAddress;

  @Override
  public Future<?> start() {
    return ChatConfig.load(vertx, config())
      .compose(config -> {
        vertx.eventBus().registerCodec(new LocalCodec());
        BrokerVerticle broker = new BrokerVerticle(config);
        return vertx.deployVerticle(broker)
          .onSuccess(id -> {
            localAddress = broker.localAddress();
            log.info("a-chat listening on {} ({})", localAddress, config);
          })
          .onFailure(e -> vertx.eventBus().unregisterCodec(LocalCodec.NAME));
      })
      .onFailure(e -> log.error("cannot start: {}", e.getMessage()));
  }

  @Override
  public Future<?> stop() {
    // Children (the broker and its accept loops) are undeployed before this runs.
    vertx.eventBus().unregisterCodec(LocalCodec.NAME);
    log.info("a-chat stopped");
    return Future.succeededFuture();
  }

  /** Where clients connect, with the real port; {@code null} until started. */
  public SocketAddress localAddress() {
    return localAddress;
  }
}
