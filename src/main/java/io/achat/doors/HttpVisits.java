package io.achat.doors;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The connections of one HTTP server (the web port, the management port), each from its accept
 * to its close or its upgrade to a WebSocket: a connection must send a whole request head within
 * {@code requestTimeoutMillis} of its accept, and the next one within
 * {@code keepAliveTimeoutMillis} of its last answer, or it is closed; so nobody holds the door
 * without speaking. Each connection carries what its server keeps of it ({@code T}). Used on the
 * server's own context, so it needs no locks.
 */
public final class HttpVisits<T> {

  private final Vertx vertx;
  private final long requestTimeoutMillis;
  private final long keepAliveTimeoutMillis;
  /** Told of each connection closed for sending no request in time. */
  private final Handler<Visit> silent;
  /** By the connection's remote address (host and port: a WebSocket names no connection), oldest first. */
  private final Map<SocketAddress, Visit> visits = new LinkedHashMap<>();

  public HttpVisits(Vertx vertx, long requestTimeoutMillis, long keepAliveTimeoutMillis, Handler<Visit> silent) {
    this.vertx = vertx;
    this.requestTimeoutMillis = requestTimeoutMillis;
    this.keepAliveTimeoutMillis = keepAliveTimeoutMillis;
    this.silent = silent;
  }

  /**
   * A connection just accepted: it has requestTimeoutMillis to send a request. {@code closed} runs
   * once it closes, unless it was upgraded to a WebSocket first.
   */
  public Visit opened(HttpConnection connection, T attachment, Runnable closed) {
    Visit visit = new Visit(connection, attachment);
    visits.put(connection.remoteAddress(), visit);
    connection.closeHandler(v -> {
      if (visits.remove(connection.remoteAddress(), visit)) {
        visit.stopTimer();
        closed.run();
      }
    });
    visit.waitFor(requestTimeoutMillis);
    return visit;
  }

  /** The visit of the connection from {@code remote}, or {@code null} when it is gone or was upgraded. */
  public Visit of(SocketAddress remote) {
    return visits.get(remote);
  }

  /** A request head has come: its connection waits for nothing until its answer has ended. */
  public Visit request(HttpServerRequest request) {
    Visit visit = of(request.connection().remoteAddress());
    if (visit != null) {
      visit.started();
      request.response().endHandler(v -> visit.answered());
    }
    return visit;
  }

  /** How many connections this server has open (not counting those upgraded to WebSockets). */
  public int size() {
    return visits.size();
  }

  /** The oldest connection waiting for a request (none under way), or {@code null}. */
  public Visit oldestIdle() {
    for (Visit visit : visits.values()) {
      if (visit.idle()) {
        return visit;
      }
    }
    return null;
  }

  /** One connection to an HTTP door. */
  public final class Visit {

    private final HttpConnection connection;
    private final T attachment;
    private long timer = -1;
    /** Requests whose answer has not ended. */
    private int unanswered;
    private boolean spoke;

    private Visit(HttpConnection connection, T attachment) {
      this.connection = connection;
      this.attachment = attachment;
    }

    public HttpConnection connection() {
      return connection;
    }

    public T attachment() {
      return attachment;
    }

    /** Whether it waits for a request, with none under way. */
    public boolean idle() {
      return unanswered == 0;
    }

    /** Whether it has sent a request yet. */
    public boolean spoke() {
      return spoke;
    }

    public void close() {
      stopTimer();
      connection.close();
    }

    /** A request head has come. */
    public void started() {
      spoke = true;
      unanswered++;
      stopTimer();
    }

    /** An answer has ended: the next request must come within keepAliveTimeoutMillis. */
    public void answered() {
      if (unanswered > 0 && --unanswered == 0) {
        waitFor(keepAliveTimeoutMillis);
      }
    }

    /** Now a WebSocket: its chat connection times it from here, and closing it is no longer this server's. */
    public void upgraded() {
      stopTimer();
      visits.remove(connection.remoteAddress(), this);
    }

    private void waitFor(long millis) {
      stopTimer();
      timer = vertx.setTimer(millis, t -> {
        timer = -1;
        if (!spoke) {
          silent.handle(this);
        }
        connection.close();
      });
    }

    private void stopTimer() {
      if (timer != -1) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
    }
  }
}
