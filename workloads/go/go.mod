module tare/workloads/go

go 1.19
