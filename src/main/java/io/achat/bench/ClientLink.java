package io.achat.bench;

/**
 * A client's connection to the server, over TCP or over a WebSocket: the modes send lines through
 * it without knowing which, and it hands what arrives to the {@link LineReader}.
 */
interface ClientLink {

  /**
   * Sends {@code lines}, one or more lines each ending in {@code '\n'}: over TCP in one write, over
   * a WebSocket one text frame per line, without its newline.
   */
  void send(String lines);

  /** Closes the connection; the client must be marked closing first, so that this is no error. */
  void close();
}
