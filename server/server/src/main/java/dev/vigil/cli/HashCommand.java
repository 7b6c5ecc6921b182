package dev.vigil.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.engine.hash.Dihedral;
import dev.vigil.engine.hash.PdqHasher;
import dev.vigil.engine.hash.PdqResult;
import dev.vigil.engine.image.DecodeLimits;
import dev.vigil.engine.image.EncodedImage;
import dev.vigil.engine.image.ImageDecoder;
import dev.vigil.engine.image.Pixels;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code vigil hash FILE...}: each image's PDQ hash (hex), its quality (0-100; under 50 is not
 * matched against hash lists), and its eight dihedral hashes. Exit status 2 when any input could
 * not be hashed.
 */
@Command(name = "hash", mixinStandardHelpOptions = true, description = "Print the PDQ hash, quality and eight dihedral hashes of images.")
public final class HashCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "Images.")
    List<Path> files = new ArrayList<>();

    @Option(names = "--json", description = "One JSON object per line.")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ImageDecoder decoder = new ImageDecoder(DecodeLimits.defaults());
        PdqHasher hasher = new PdqHasher();
        int status = 0;
        for (Path file : files) {
            PdqResult r;
            try (Pixels pixels = decoder.decode(new EncodedImage(Files.readAllBytes(file)))) {
                r = hasher.hash(pixels);
            } catch (Exception e) {
                status = 2;
                out.println(json ? CliSupport.JSON.createObjectNode().put("path", file.toString()).set("error",
                        CliSupport.JSON.createObjectNode().put("code", "NOT_HASHED").put("message", e.getMessage())).toString()
                        : file + ": ERROR " + e.getMessage());
                continue;
            }
            if (json) {
                ObjectNode line = CliSupport.JSON.createObjectNode().put("path", file.toString()).put("pdq", r.hash().toHex()).put("quality", r.quality());
                ArrayNode dihedral = line.putArray("dihedral");
                for (Dihedral d : Dihedral.values()) {
                    dihedral.addObject().put("transform", d.name().toLowerCase(Locale.ROOT)).put("pdq", r.dihedral(d).toHex());
                }
                out.println(line);
            } else {
                out.printf(Locale.ROOT, "%s  quality %3d  %s%n", r.hash().toHex(), r.quality(), file);
                for (Dihedral d : Dihedral.values()) {
                    if (d != Dihedral.ORIGINAL) {
                        out.printf(Locale.ROOT, "    %-12s %s%n", d.name().toLowerCase(Locale.ROOT), r.dihedral(d).toHex());
                    }
                }
            }
        }
        out.flush();
        return status;
    }
}
