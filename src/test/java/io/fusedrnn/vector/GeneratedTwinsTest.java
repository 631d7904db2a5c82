package io.fusedrnn.vector;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The float64 kernels are generated from the float32 ones (package-info): they must not drift apart. */
class GeneratedTwinsTest {
    private static final Path DIR = Path.of("src/main/java/io/fusedrnn/vector");

    @ParameterizedTest
    @ValueSource(strings = {"Gemm", "Kernels"})
    void doubleFileIsTheFloatFileWithTheTypeRenamed(String name) throws IOException {
        String floats = Files.readString(DIR.resolve("Float" + name + ".java"));
        String doubles = Files.readString(DIR.resolve("Double" + name + ".java"));
        assertEquals(floats.replace("Float", "Double").replace("float", "double"), doubles,
                "Double" + name + ".java differs from Float" + name + ".java after s/Float/Double/g; s/float/double/g: regenerate it");
    }
}
