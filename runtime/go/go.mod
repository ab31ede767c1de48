module graftcode.dev/runtime

go 1.22
