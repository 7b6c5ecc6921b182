package dev.vigil.bench;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.bench.throughput.ThroughputResult;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code ./vigil bench peers} found, and the ratios it reports. A ratio above 1 means
 * Vigil's side was faster. Peers that did not run leave their ratios out.
 *
 * @param bareSession   TensorFlow Java alone, over the intra-op × callers × batch sweep
 * @param engineTensors the engine's session on pre-made tensors, one caller, default threads, per batch size
 * @param gateImages    the whole gate from the photos
 * @param nsfwjs        the nsfwjs script's document (or its error)
 * @param ratios        see {@link Ratios}
 */
@JsonPropertyOrder({"ratios", "gate_images", "engine_tensors", "bare_session", "nsfwjs"})
public record PeerComparison(
        @JsonProperty("bare_session") List<ThroughputResult> bareSession,
        @JsonProperty("engine_tensors") List<ThroughputResult> engineTensors,
        @JsonProperty("gate_images") ThroughputResult gateImages,
        @JsonProperty("nsfwjs") JsonNode nsfwjs,
        @JsonProperty("ratios") Ratios ratios) {

    /**
     * The comparison's headline numbers.
     *
     * @param engineTensorsVsBestBare best engine-on-tensors over the best bare session: how close
     *                                the engine's session comes to TensorFlow's ceiling here
     * @param engineVsBareSameSettings per batch size, engine over the bare session with the same
     *                                threads (one caller, the engine's intra-op threads): the
     *                                engine's own overhead
     * @param engineTensorsVsNsfwjs   best engine-on-tensors over nsfwjs's best model-only run
     * @param gateImagesVsNsfwjs      the whole gate from photos over nsfwjs's best model-only run
     * @param gateImagesVsNsfwjsImages the whole gate over nsfwjs decoding and classifying the same photos
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Ratios(
            @JsonProperty("engine_tensors_vs_best_bare") Double engineTensorsVsBestBare,
            @JsonProperty("engine_vs_bare_same_settings") Map<Integer, Double> engineVsBareSameSettings,
            @JsonProperty("engine_tensors_vs_nsfwjs") Double engineTensorsVsNsfwjs,
            @JsonProperty("gate_images_vs_nsfwjs") Double gateImagesVsNsfwjs,
            @JsonProperty("gate_images_vs_nsfwjs_images") Double gateImagesVsNsfwjsImages,
            @JsonProperty("best_bare") String bestBare,
            @JsonProperty("best_engine_tensors") String bestEngineTensors,
            @JsonProperty("best_nsfwjs") String bestNsfwjs,
            @JsonProperty("best_nsfwjs_images") String bestNsfwjsImages) {
    }

    /** Builds the comparison and works out its ratios. */
    public static PeerComparison of(List<ThroughputResult> bare, List<ThroughputResult> engine, ThroughputResult gate, JsonNode nsfwjs) {
        Optional<ThroughputResult> bestBare = best(bare);
        Optional<ThroughputResult> bestEngine = best(engine);
        Optional<Best> bestJs = bestNsfwjs(nsfwjs, "tensors");
        Optional<Best> bestJsImages = bestNsfwjs(nsfwjs, "images");
        Map<Integer, Double> sameSettings = new LinkedHashMap<>();
        for (ThroughputResult e : engine) {
            bare.stream()
                    .filter(b -> b.batch() == e.batch() && b.threads() == e.threads() && b.intraOpThreads() == e.intraOpThreads())
                    .findFirst()
                    .ifPresent(b -> sameSettings.put(e.batch(), ratio(e.imagesPerSecond(), b.imagesPerSecond())));
        }
        Ratios ratios = new Ratios(
                bestEngine.isPresent() && bestBare.isPresent() ? ratio(bestEngine.get().imagesPerSecond(), bestBare.get().imagesPerSecond()) : null,
                sameSettings.isEmpty() ? null : sameSettings,
                bestEngine.isPresent() && bestJs.isPresent() ? ratio(bestEngine.get().imagesPerSecond(), bestJs.get().imagesPerSecond()) : null,
                gate != null && bestJs.isPresent() ? ratio(gate.imagesPerSecond(), bestJs.get().imagesPerSecond()) : null,
                gate != null && bestJsImages.isPresent() ? ratio(gate.imagesPerSecond(), bestJsImages.get().imagesPerSecond()) : null,
                bestBare.map(b -> String.format("%.1f images/s: batch %d, intra-op %d, callers %d", b.imagesPerSecond(), b.batch(), b.intraOpThreads(), b.threads())).orElse(null),
                bestEngine.map(b -> String.format("%.1f images/s: batch %d, intra-op %d, callers %d", b.imagesPerSecond(), b.batch(), b.intraOpThreads(), b.threads())).orElse(null),
                bestJs.map(Best::describe).orElse(null),
                bestJsImages.map(Best::describe).orElse(null));
        return new PeerComparison(bare, engine, gate, nsfwjs, ratios);
    }

    /**
     * One nsfwjs figure, as the text and Markdown tables list them: a backend's model-only run
     * at one batch size, its decode + classify run ({@code batch} null, {@code photos} set), or
     * why it (or the whole script, {@code backend} null) did not run ({@code unavailable}).
     */
    public record NsfwjsRow(String backend, String threads, Integer batch, Integer photos, Double imagesPerSecond, String unavailable) {
    }

    /** The nsfwjs document as rows, backends in the script's order; empty when nsfwjs was left out. */
    @JsonIgnore
    public List<NsfwjsRow> nsfwjsRows() {
        List<NsfwjsRow> rows = new ArrayList<>();
        if (nsfwjs == null) {
            return rows;
        }
        if (nsfwjs.has("error")) {
            rows.add(new NsfwjsRow(null, null, null, null, null, nsfwjs.get("error").asText()));
            return rows;
        }
        for (var it = nsfwjs.path("backends").fields(); it.hasNext(); ) {
            var backend = it.next();
            JsonNode b = backend.getValue();
            if (!b.path("available").asBoolean()) {
                rows.add(new NsfwjsRow(backend.getKey(), null, null, null, null, b.path("error").asText()));
                continue;
            }
            String threads = b.has("threads") ? b.path("threads").asText() : "-";
            for (JsonNode t : b.path("tensors")) {
                rows.add(new NsfwjsRow(backend.getKey(), threads, t.path("batch").asInt(), null, t.path("images_per_s").asDouble(), null));
            }
            if (b.has("images")) {
                rows.add(new NsfwjsRow(backend.getKey(), threads, null, b.path("images").path("photos").asInt(),
                        b.path("images").path("images_per_s").asDouble(), null));
            }
        }
        return rows;
    }

    private static Optional<ThroughputResult> best(List<ThroughputResult> results) {
        return results.stream().max(Comparator.comparingDouble(ThroughputResult::imagesPerSecond));
    }

    private static double ratio(double vigil, double peer) {
        return peer > 0 ? Math.round(vigil / peer * 100) / 100.0 : Double.NaN;
    }

    /** The fastest nsfwjs run of a kind ("tensors": model only, "images": decode and classify). */
    record Best(String backend, Integer batch, double imagesPerSecond) {
        String describe() {
            return String.format("%.1f images/s: %s backend%s", imagesPerSecond, backend, batch == null ? ", decode + classify" : ", batch " + batch);
        }
    }

    static Optional<Best> bestNsfwjs(JsonNode doc, String kind) {
        Best best = null;
        JsonNode backends = doc == null ? null : doc.get("backends");
        if (backends == null) {
            return Optional.empty();
        }
        for (var it = backends.fields(); it.hasNext(); ) {
            var backend = it.next();
            JsonNode b = backend.getValue();
            if (!b.path("available").asBoolean(false)) {
                continue;
            }
            if (kind.equals("tensors")) {
                for (JsonNode run : b.path("tensors")) {
                    double ips = run.path("images_per_s").asDouble();
                    if (best == null || ips > best.imagesPerSecond()) {
                        best = new Best(backend.getKey(), run.path("batch").asInt(), ips);
                    }
                }
            } else if (b.has("images")) {
                double ips = b.path("images").path("images_per_s").asDouble();
                if (best == null || ips > best.imagesPerSecond()) {
                    best = new Best(backend.getKey(), null, ips);
                }
            }
        }
        return Optional.ofNullable(best);
    }
}
