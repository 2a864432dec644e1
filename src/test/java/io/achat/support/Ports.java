package io.achat.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.Socket;

/** What a port on this machine answers. */
public final class Ports {

  private Ports() {
  }

  /**
   * Whether nothing listens on {@code port} of 127.0.0.1: a connection is refused. A connection
   * to a port nobody listens on can still succeed when the kernel happens to give the client that
   * same port (TCP's simultaneous open connects the socket to itself); that is tried again.
   */
  public static boolean refused(int port) {
    for (int attempt = 0; attempt < 5; attempt++) {
      try (Socket socket = new Socket("127.0.0.1", port)) {
        if (socket.getLocalPort() != port) {
          return false;
        }
      } catch (ConnectException e) {
        return true;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return false;
  }
}
