package io.fusedrnn.benchmarks.jmh;

import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;

/**
 * What every fusedrnn JMH benchmark shares (JMH reads these annotations from the superclass): the
 * average time per call, and one fork per benchmark with the flags the library needs (the Vector API
 * module; native access for the OpenCL and peer bindings). A fresh JVM per contender/shape keeps one's
 * JIT profile from shaping another's.
 */
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.AverageTime)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public abstract class JmhDefaults {
}
