package io.achat.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent.LifecycleState;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Which nodes Hazelcast counts as members, as this node's member list says at the moment: a
 * local read that waits on nothing. Hazelcast drops a dead node from that list within about half
 * a second of its connections closing (a hung one after the heartbeat timeout), while Vert.x
 * removes the dead node's event-bus subscriptions only once Hazelcast has repaired its partition
 * table, which after a failed migration (a node dying while the cluster rebalances) it holds off
 * for about 3 s: the broker asks this list first, and takes a node missing from it for gone at
 * once.
 *
 * <p>Each broker's node name carries the Vert.x node it runs in ({@link #nodeName()}), so any
 * broker can tell from a name alone which member it is. While Hazelcast merges this member into
 * another cluster, its member list is being rebuilt and says nothing: every node counts as
 * there. One per Vert.x instance, registered by {@link #watch}; without it (an application's own
 * clustered Vert.x that does not register one) the broker notices gone nodes by the event bus
 * alone.
 */
public final class ClusterMembers implements Shareable {

  private static final String MAP = "a-chat.cluster";
  private static final String KEY = "members";
  /** Between a broker's own random name and the Vert.x node it runs in. */
  private static final char IN = '@';

  private final HazelcastClusterManager manager;
  private volatile boolean merging;
  /**
   * The Vert.x nodes seen in the member list: only a node seen there can be missing from it, so
   * that a node this one hears of before its member list has caught up is not taken for gone.
   */
  private final Set<String> seen = ConcurrentHashMap.newKeySet();
  /** Run, on a Hazelcast thread, each time the member list changes. */
  private final List<Runnable> changed = new CopyOnWriteArrayList<>();

  private ClusterMembers(HazelcastClusterManager manager) {
    this.manager = manager;
    manager.getHazelcastInstance().getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        changed.forEach(Runnable::run);
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        changed.forEach(Runnable::run);
      }
    });
    manager.getHazelcastInstance().getLifecycleService().addLifecycleListener(event -> {
      if (event.getState() == LifecycleState.MERGING) {
        merging = true;
      } else if (event.getState() == LifecycleState.MERGED || event.getState() == LifecycleState.MERGE_FAILED) {
        merging = false;
      }
    });
  }

  /**
   * Lets the a-chat deployed in {@code vertx}, clustered by {@code manager} (joined), read the
   * member list: call it before deploying a-chat.
   */
  public static void watch(Vertx vertx, HazelcastClusterManager manager) {
    vertx.sharedData().<String, ClusterMembers>getLocalMap(MAP).put(KEY, new ClusterMembers(manager));
  }

  /** The member list of {@code vertx}'s cluster, or {@code null} if nobody registered one. */
  public static ClusterMembers of(Vertx vertx) {
    LocalMap<String, ClusterMembers> map = vertx.sharedData().getLocalMap(MAP);
    return map.get(KEY);
  }

  /**
   * Runs {@code listener} each time a member joins or is dropped, on a Hazelcast thread, once
   * the list says so; returns what stops it.
   */
  public Runnable onChange(Runnable listener) {
    changed.add(listener);
    return () -> changed.remove(listener);
  }

  /** A new name for a broker of this node: unique, and naming the Vert.x node it runs in. */
  public String nodeName() {
    return UUID.randomUUID() + String.valueOf(IN) + manager.getNodeId();
  }

  /**
   * Whether a broker, by its name, is on a node that Hazelcast no longer counts as a member, as
   * the member list says now. False for a name that does not say which node it is on, for a node
   * never seen in the list, and while this member merges into another cluster or leaves.
   */
  public Predicate<String> left() {
    if (merging || !manager.isActive()) {
      return node -> false;
    }
    Set<String> members;
    try {
      members = new HashSet<>(manager.getNodes());
    } catch (RuntimeException e) {
      return node -> false; // Hazelcast is shutting down
    }
    seen.addAll(members);
    return node -> {
      int at = node.indexOf(IN);
      if (at < 0) {
        return false;
      }
      String member = node.substring(at + 1);
      return seen.contains(member) && !members.contains(member);
    };
  }

  /**
   * Of {@code brokers} (names from {@link #nodeName()}), the one on the oldest member, as this
   * member's list says now: every member lists the members in the same order once it has caught
   * up, so all pick the same one. {@code null} when none of them is on a member.
   */
  public String oldest(Collection<String> brokers) {
    List<String> nodes;
    try {
      nodes = manager.getNodes();
    } catch (RuntimeException e) {
      return null; // Hazelcast is shutting down
    }
    for (String member : nodes) {
      for (String broker : brokers) {
        if (broker.endsWith(IN + member)) {
          return broker;
        }
      }
    }
    return null;
  }

  /**
   * Whether the partition that holds {@code key} in the cluster-wide maps has its owner among the
   * members, as this member's partition table says now: once a member is dropped, Hazelcast
   * repairs the table (backups become owners), at once when the cluster was settled and about 3 s
   * later when partitions were moving. A write to a partition whose owner was dropped waits for
   * that repair, and one issued just before it can wait seconds longer. True while this member
   * merges or leaves.
   */
  public boolean ownerKnown(String key) {
    if (merging || !manager.isActive()) {
      return true;
    }
    try {
      HazelcastInstance hazelcast = manager.getHazelcastInstance();
      Member owner = hazelcast.getPartitionService().getPartition(key).getOwner();
      return owner != null && hazelcast.getCluster().getMembers().contains(owner);
    } catch (RuntimeException e) {
      return true; // Hazelcast is shutting down
    }
  }

  /**
   * Completes once {@link #ownerKnown} holds for {@code key} (asked every 50 ms on the caller's
   * context), or after 10 s: a write to a gone node's entry issued before Hazelcast has repaired
   * its partition table can wait seconds longer than the repair.
   */
  public Future<Void> ownerKnown(Vertx vertx, String key) {
    if (ownerKnown(key)) {
      return Future.succeededFuture();
    }
    Promise<Void> owned = Promise.promise();
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    vertx.setPeriodic(50, timer -> {
      if (ownerKnown(key) || System.nanoTime() - giveUp > 0) {
        vertx.cancelTimer(timer);
        owned.tryComplete();
      }
    });
    return owned.future();
  }
}
