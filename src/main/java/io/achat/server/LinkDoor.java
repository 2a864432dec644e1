package io.achat.server;

import io.achat.protocol.Replies;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.streams.ReadStream;

import java.util.function.Consumer;

/** A chat connection at its door, before it is a {@link Connection}: told why in a line when refused. */
record LinkDoor(Link link, ReadStream<?> socket, Consumer<Handler<Void>> closeHandler) implements Doorkeeper.Door {

  @Override
  public SocketAddress client() {
    return link.remoteAddress();
  }

  @Override
  public void refuse(String reason) {
    link.write(Buffer.buffer(Replies.error(reason)));
    link.close();
  }

  @Override
  public void hold(Runnable closed) {
    socket.pause();
    closeHandler.accept(v -> closed.run());
  }
}
