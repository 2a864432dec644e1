# a-chat: build with Maven, run on a JRE as a non-root user.
#   docker build -t a-chat . && docker run -p 8080:8080 -p 8000:8000 a-chat
# Base images are build arguments, so a mirror or a pinned digest can be given.
ARG BUILD_IMAGE=maven:3.9-eclipse-temurin-21
ARG RUNTIME_IMAGE=eclipse-temurin:21-jre

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
# The dependencies and Maven's plugins (with their own dependencies) in a layer of their own:
# it is built again only when pom.xml changes, so an edit of the sources downloads nothing and
# the package step runs offline (-o). (Not dependency:go-offline: it also fetches optional
# dependencies of dependencies, some of which, e.g. Micrometer registries a-chat does not use,
# are not published in the versions asked for.)
COPY pom.xml .
RUN mvn -B -q dependency:resolve dependency:resolve-plugins
COPY src ./src
RUN mvn -B -q -o -DskipTests package

FROM ${RUNTIME_IMAGE}
COPY --from=build /src/target/a-chat.jar /app/a-chat.jar
# Configuration: the jar's defaults (host 0.0.0.0, port 8080), then a -conf file, then ACHAT_*
# variables, then -Dachat.* properties. The image sets no ACHAT_* variable, so that a mounted
# file can set any key, e.g. -v ./a-chat.json:/etc/a-chat/a-chat.json and the argument
# -conf /etc/a-chat/a-chat.json. It changes two defaults, below any -conf file
# (-Dachat.launcherDefaults): the management server listens on every address of the
# container (java -jar alone keeps it on 127.0.0.1), so that Prometheus on the container's
# network can scrape it; publish its port to 127.0.0.1 only, or set managementToken. And
# drainTimeoutMillis is 7000 instead of the jar's 10000, so that a clean shutdown with clients
# that do not take their last messages (7 s at most, then closing, about 8 s in all) ends inside
# `docker stop`'s default 10 s, before its SIGKILL. A -conf file, ACHAT_* variables and
# -Dachat.* properties all win over both, and no argument given to the container drops them;
# the server logs the values it runs with at start. Clustered nodes stopped all at once may
# take a few seconds more to leave Hazelcast: compose.yaml allows 15 s.
# No shell in between: the JVM is PID 1's program and gets SIGTERM from `docker stop`,
# which runs the clean shutdown (every accepted message delivered, exit status 0).
USER 10001:10001
# 8080: the chat. 8000: the web page and its WebSocket (webPort; open http://host:8000/).
# 9180: the management server (managementPort): /metrics for Prometheus, /health and /ready.
EXPOSE 8080 8000 9180
# Clustering: with the argument -cluster, nodes form one chat over Hazelcast, whose member port
# this is (ACHAT_CLUSTER_PORT). ACHAT_CLUSTER_MEMBERS lists the nodes, host:port each; left
# empty, ACHAT_CLUSTER_HOST lets Hazelcast take the container's address. On one Docker network:
#   docker network create a-chat
#   docker run -d --network a-chat --name a-chat-1 -p 8081:8080 \
#     -e ACHAT_CLUSTER_MEMBERS=a-chat-1:5701,a-chat-2:5701 a-chat -cluster
# and a-chat-2 likewise (compose.yaml runs three). The event bus between the nodes takes a
# random port unless -cluster-port N is given: containers on one network reach all its ports.
EXPOSE 5701
# Memory, within the container's limit. Heap: half of the limit, but 40% of a small one (the
# JVM takes MinRAMPercentage, not MaxRAMPercentage, when that is under its default maximum of
# about 126 MB, i.e. for limits up to about 315 MB): with --memory 256m, 102 MB. Direct buffers
# (Netty's and the JDK's; by default as large as the heap): 32 MB, four times the most measured
# under a flood. The rest of the limit holds what is neither (metaspace, code cache, threads,
# malloc: about 90 MB measured) and the health check's short-lived JVM (about 20 MB). A full
# heap ends the JVM with an OutOfMemoryError and exit status 3 instead of a kernel OOM kill
# (137); the container's restart policy then starts it again. No hsperfdata (-XX:-UsePerfData):
# its sampling was a third of what 10 000 idle users cost (docs/performance.md); jcmd still
# works, jstat and jps do not see the process.
ENTRYPOINT ["java", "-XX:MinRAMPercentage=40", "-XX:MaxRAMPercentage=50", "-XX:MaxDirectMemorySize=32m", \
            "-XX:+ExitOnOutOfMemoryError", "-XX:-UsePerfData", \
            "-Dachat.launcherDefaults={\"managementHost\":\"0.0.0.0\",\"drainTimeoutMillis\":7000}", \
            "-jar", "/app/a-chat.jar"]
# Ready when the management server's /ready answers 200. `health` finds it wherever the server
# listens (whatever -conf or ACHAT_* it was given): the server writes its address to
# /tmp/a-chat.management at start.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
  CMD ["java", "-Xmx24m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", "/app/a-chat.jar", "health"]
