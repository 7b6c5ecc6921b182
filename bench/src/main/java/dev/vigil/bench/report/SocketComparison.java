package dev.vigil.bench.report;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.vigil.bench.load.LoadResult;
import dev.vigil.bench.throughput.ThroughputResult;

/**
 * One gate measured in-process and through the binary protocol over loopback TCP.
 *
 * @param inProcess          the in-process server's gate driven directly
 * @param loopbackTcp        the same gate through the protocol, closed loop, as many clients as in-process requests in flight
 * @param oneAtATime         one client, one request at a time: the single-image service time
 * @param maxThroughputPerSecond the most the server answered over the socket, in the closed loop or any sweep step
 */
@JsonPropertyOrder({"in_process", "loopback_tcp", "one_at_a_time", "max_throughput_per_s"})
public record SocketComparison(
        @JsonProperty("in_process") ThroughputResult inProcess,
        @JsonProperty("loopback_tcp") LoadResult loopbackTcp,
        @JsonProperty("one_at_a_time") LoadResult oneAtATime,
        @JsonProperty("max_throughput_per_s") double maxThroughputPerSecond) {
}
