package io.achat.bench;

/**
 * A client's connection to the server: the modes send lines through it without knowing how they
 * travel, and it hands what arrives to the {@link LineReader}.
 */
interface Link {

  /** Sends {@code lines}, one or more lines each ending in {@code '\n'}. */
  void send(String lines);

  /** Closes the connection; the client must be marked closing first, so that this is no error. */
  void close();
}
