# a-chat: build with Maven, run on a JRE as a non-root user.
#   docker build -t a-chat . && docker run -p 8080:8080 a-chat
# Base images are build arguments, so a mirror or a pinned digest can be given.
ARG BUILD_IMAGE=maven:3.9-eclipse-temurin-21
ARG RUNTIME_IMAGE=eclipse-temurin:21-jre

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY pom.xml .
COPY src ./src
RUN mvn -B -q -DskipTests package

FROM ${RUNTIME_IMAGE}
COPY --from=build /src/target/a-chat.jar /app/a-chat.jar
# Any configuration key can be set with its ACHAT_* variable; a -conf file can be mounted,
# e.g. -v ./a-chat.json:/etc/a-chat/a-chat.json and the argument -conf /etc/a-chat/a-chat.json.
ENV ACHAT_HOST=0.0.0.0 \
    ACHAT_PORT=8080
# No shell in between: the JVM is PID 1's program and gets SIGTERM from `docker stop`,
# which runs the clean shutdown (every accepted message delivered, exit status 0).
USER 10001:10001
EXPOSE 8080
# Clustering: with the argument -cluster, nodes form one chat over Hazelcast, whose member port
# this is (ACHAT_CLUSTER_PORT). ACHAT_CLUSTER_MEMBERS lists the nodes, host:port each; left
# empty, ACHAT_CLUSTER_HOST lets Hazelcast take the container's address. On one Docker network:
#   docker network create a-chat
#   docker run -d --network a-chat --name a-chat-1 -p 8081:8080 \
#     -e ACHAT_CLUSTER_MEMBERS=a-chat-1:5701,a-chat-2:5701 a-chat -cluster
# and a-chat-2 likewise (compose.yaml runs three). The event bus between the nodes takes a
# random port unless -cluster-port N is given: containers on one network reach all its ports.
EXPOSE 5701
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/a-chat.jar"]
# Healthy when the server logs a probe in and routes the probe's own message back to it.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
  CMD ["java", "-Xmx24m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", "/app/a-chat.jar", "health"]
