package io.fusedrnn.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.spark.sql.execution.datasources.parquet.ParquetReadSupport;
import org.apache.spark.sql.execution.datasources.parquet.ParquetToSparkSchemaConverter;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Reads a local Parquet table's schema from one file's footer on the driver, as Spark's schema
 * inference does (without mergeSchema it also reads one footer), but without the one-task Spark job
 * Spark runs for it.
 */
final class ParquetFooters {
    private ParquetFooters() {
    }

    /** The schema of the table at {@code table} (a file, or a directory of part files), or empty when none can be read. */
    static Optional<StructType> schema(Path table) {
        Optional<Path> file = firstFile(table);
        if (file.isEmpty()) return Optional.empty();
        Configuration conf = new Configuration();
        try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(file.get().toUri()), conf))) {
            String spark = r.getFooter().getFileMetaData().getKeyValueMetaData().get(ParquetReadSupport.SPARK_METADATA_KEY());
            if (spark != null && DataType.fromJson(spark) instanceof StructType s) return Optional.of(s);
            MessageType parquet = r.getFooter().getFileMetaData().getSchema();
            return Optional.of(new ParquetToSparkSchemaConverter(conf).convert(parquet));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // let Spark read it and report what is wrong
        }
    }

    /** The file itself, or the first data file of a flat directory in name order (skipping _ and . files, as Spark does); empty for a directory with subdirectories (partitions: Spark's own inference). */
    private static Optional<Path> firstFile(Path table) {
        if (Files.isRegularFile(table)) return Optional.of(table);
        try (Stream<Path> all = Files.list(table)) {
            var entries = all.filter(p -> !p.getFileName().toString().startsWith("_") && !p.getFileName().toString().startsWith("."))
                    .sorted().toList();
            if (entries.stream().anyMatch(p -> !Files.isRegularFile(p))) return Optional.empty();
            return entries.stream().findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
