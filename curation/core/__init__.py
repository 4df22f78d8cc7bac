"""Records, errors, hashing, JSON/JSONL/parquet I/O, prompts, progress callbacks and where the shipped data and the home (MATHIF_HOME) are: what every stage shares. Imports nothing of curation."""

from curation.core.cpus import default_jobs
from curation.core.errors import InputError, ServiceFailure, WorkerFailure
from curation.core.hashing import sha256_bytes, sha256_file, sha256_int, sha256_text
from curation.core.home import (
    HOME_ENV,
    Shipped,
    home_dir,
    is_package_data,
    resolve_recipe,
    shipped,
    version_tag,
)
from curation.core.items import Item, dataset_files, item_from_dict, read_items
from curation.core.jsonio import (
    JsonlLine,
    atomic_file,
    check_output_folder,
    clean_text,
    dumps_line,
    dumps_line_bytes,
    is_text,
    json_text,
    jsonl_line,
    jsonl_lines,
    parse_json,
    raw_lines,
    read_json,
    read_jsonl,
    write_atomic,
    write_json,
    write_jsonl,
)
from curation.core.labels import group_order, source_label, split_label
from curation.core.manifest import (
    FileHash,
    Manifest,
    ParquetFiles,
    PluginRecord,
    SplitRecord,
    make_manifest,
    parquet_writer,
)
from curation.core.markdown import markdown_escape, markdown_table
from curation.core.parquet import decode_record, hub_parquet_bytes, read_split_rows, schema_lines
from curation.core.problems import MetaValue, Problem
from curation.core.progress import Note, Progress, no_note, no_progress
from curation.core.prompts import DEFAULT_TEMPLATE, render_prompt
from curation.core.reader import FORMS as DATASET_FORMS
from curation.core.reader import Dataset, DatasetFile, open_dataset
from curation.core.records import JsonRecord, dicts_of, records_of, typed
from curation.core.secrets import forget_secrets, redact, register_secret
from curation.core.tomlio import KeyPath, key_lines, line_of, parse_toml, toml_text
from curation.core.version import __version__

__all__ = [
    "group_order",
    "source_label",
    "split_label",
    "default_jobs",
    "HOME_ENV",
    "Shipped",
    "home_dir",
    "is_package_data",
    "resolve_recipe",
    "shipped",
    "version_tag",
    "DATASET_FORMS",
    "Dataset",
    "DatasetFile",
    "open_dataset",
    "FileHash",
    "Manifest",
    "ParquetFiles",
    "PluginRecord",
    "SplitRecord",
    "make_manifest",
    "parquet_writer",
    "clean_text",
    "is_text",
    "check_output_folder",
    "parse_toml",
    "KeyPath",
    "key_lines",
    "line_of",
    "toml_text",
    "JsonlLine",
    "atomic_file",
    "dumps_line_bytes",
    "jsonl_line",
    "jsonl_lines",
    "parse_json",
    "raw_lines",
    "forget_secrets",
    "redact",
    "register_secret",
    "__version__",
    "dataset_files",
    "decode_record",
    "DEFAULT_TEMPLATE",
    "dicts_of",
    "dumps_line",
    "hub_parquet_bytes",
    "InputError",
    "Item",
    "item_from_dict",
    "json_text",
    "JsonRecord",
    "markdown_escape",
    "markdown_table",
    "MetaValue",
    "no_note",
    "no_progress",
    "Note",
    "Problem",
    "Progress",
    "read_items",
    "read_json",
    "read_jsonl",
    "read_split_rows",
    "records_of",
    "render_prompt",
    "schema_lines",
    "ServiceFailure",
    "WorkerFailure",
    "sha256_bytes",
    "sha256_file",
    "sha256_int",
    "sha256_text",
    "typed",
    "write_atomic",
    "write_json",
    "write_jsonl",
]
