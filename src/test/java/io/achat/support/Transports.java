package io.achat.support;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

import java.util.concurrent.TimeUnit;

/** Runs a test's server on Vert.x's NIO transport (the test's own instance) or on Netty's native one. */
public final class Transports {

  private Transports() {
  }

  /**
   * Runs {@code test} with {@code nio} itself, or with a Vert.x on the native transport, which
   * must load (this is Linux), closed afterwards.
   */
  public static void on(boolean nativeTransport, Vertx nio, Test test) throws Exception {
    if (!nativeTransport) {
      test.run(nio);
      return;
    }
    Vertx vertx = Vertx.builder().with(new VertxOptions().setPreferNativeTransport(true)).build();
    try {
      if (!vertx.isNativeTransportEnabled()) {
        throw new AssertionError("the native transport did not load", vertx.unavailableNativeTransportCause());
      }
      test.run(vertx);
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  /** A test's body, given the Vert.x to run its server on. */
  public interface Test {
    void run(Vertx vertx) throws Exception;
  }
}
