package io.achat.bench;

import io.vertx.core.net.NetSocket;

/** The line protocol over TCP: lines go out as they are, and arrive in chunks cut anywhere. */
final class TcpClientLink implements ClientLink {

  private final NetSocket socket;

  TcpClientLink(NetSocket socket, Client client, LineReader lines) {
    this.socket = socket;
    socket.handler(chunk -> lines.chunk(client, chunk));
    socket.closeHandler(v -> lines.closed(client));
  }

  @Override
  public void send(String lines) {
    socket.write(lines);
  }

  @Override
  public void close() {
    socket.close();
  }
}
