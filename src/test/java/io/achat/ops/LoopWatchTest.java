package io.achat.ops;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(20)
class LoopWatchTest {

  @Test
  void aLoopThatDoesNotAnswerIsAStallAndOneThatAnswersIsNot() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      LoopWatch watch = LoopWatch.of(vertx);
      Context busy = deployedContext(vertx);
      Thread busyThread = threadOf(busy);
      Context free = null;
      for (int i = 0; i < 32 && free == null; i++) { // verticles take event loops in turn: find one on another
        Context next = deployedContext(vertx);
        free = threadOf(next) != busyThread ? next : null;
      }
      assertThat(free).as("a context on another event loop").isNotNull();
      watch.watch("busy", busy);
      watch.watch("free", free);
      CountDownLatch release = new CountDownLatch(1);
      CountDownLatch blocking = new CountDownLatch(1);
      busy.runOnContext(v -> {
        blocking.countDown();
        try {
          release.await(10, TimeUnit.SECONDS); // the stuck loop the watch must see
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      assertThat(blocking.await(5, TimeUnit.SECONDS)).isTrue();
      watch.probe();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      List<LoopWatch.Stall> stalls = watch.stalls(200);
      while (stalls.isEmpty() && System.nanoTime() < deadline) {
        Thread.onSpinWait();
        stalls = watch.stalls(200);
      }
      assertThat(stalls).extracting(LoopWatch.Stall::name).containsExactly("busy");
      assertThat(stalls.get(0).ended()).isFalse();
      release.countDown();
      deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (!watch.stalls(0).isEmpty() && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertThat(watch.stalls(0)).as("both answered once released").isEmpty();
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  /** The context of a verticle deployed now: an event loop's, taken in turn with the others. */
  private static Context deployedContext(Vertx vertx) throws Exception {
    CompletableFuture<Context> deployed = new CompletableFuture<>();
    vertx.deployVerticle(new VerticleBase() {
      @Override
      public Future<?> start() {
        deployed.complete(context);
        return Future.succeededFuture();
      }
    }).await(10, TimeUnit.SECONDS);
    return deployed.get(5, TimeUnit.SECONDS);
  }

  private static Thread threadOf(Context context) throws Exception {
    CompletableFuture<Thread> thread = new CompletableFuture<>();
    context.runOnContext(v -> thread.complete(Thread.currentThread()));
    return thread.get(5, TimeUnit.SECONDS);
  }

  @Test
  void aLoopWhoseThreadHasEndedIsReportedAtOnce() throws Exception {
    Vertx vertx = Vertx.vertx();
    LoopWatch watch = LoopWatch.of(vertx);
    Context context = vertx.getOrCreateContext();
    watch.watch("the broker", context);
    vertx.close().await(10, TimeUnit.SECONDS); // its event loops end, as one does when an error of the JVM ends its thread
    watch.probe();
    List<LoopWatch.Stall> stalls = watch.stalls(60_000);
    assertThat(stalls).hasSize(1);
    assertThat(stalls.get(0).name()).isEqualTo("the broker");
    assertThat(stalls.get(0).ended()).isTrue();
  }
}
