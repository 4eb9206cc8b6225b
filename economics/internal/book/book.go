// Package book is the go-memdb schema the liquid staking and liquid
// restaking books share: holders and withdrawal requests of many protocols
// in one database, found through indexes rather than scans. Rows are the
// packages' own structs; they must have the fields the indexes name:
// holders Protocol and Owner (strings); requests Protocol, Owner, Status
// (strings) and ID (an unsigned integer).
package book

import (
	"fmt"

	"github.com/hashicorp/go-memdb"
)

// Table and index names.
const (
	TableHolder  = "holder"
	TableRequest = "request"
	IndexID      = "id"
	IndexProto   = "protocol"
	IndexStatus  = "status"
	IndexOwner   = "owner"
)

func protoField() memdb.Indexer { return &memdb.StringFieldIndex{Field: "Protocol"} }

// Schema: holders by (protocol, owner) and by protocol; requests by
// (protocol, id), (protocol, status, id) — so that a status prefix scan
// walks a queue in FIFO order — and (protocol, owner, id).
func Schema() *memdb.DBSchema {
	return &memdb.DBSchema{Tables: map[string]*memdb.TableSchema{
		TableHolder: {
			Name: TableHolder,
			Indexes: map[string]*memdb.IndexSchema{
				IndexID: {Name: IndexID, Unique: true, Indexer: &memdb.CompoundIndex{Indexes: []memdb.Indexer{
					protoField(), &memdb.StringFieldIndex{Field: "Owner"}}}},
				IndexProto: {Name: IndexProto, Indexer: protoField()},
			},
		},
		TableRequest: {
			Name: TableRequest,
			Indexes: map[string]*memdb.IndexSchema{
				IndexID: {Name: IndexID, Unique: true, Indexer: &memdb.CompoundIndex{Indexes: []memdb.Indexer{
					protoField(), &memdb.UintFieldIndex{Field: "ID"}}}},
				IndexStatus: {Name: IndexStatus, Indexer: &memdb.CompoundIndex{Indexes: []memdb.Indexer{
					protoField(), &memdb.StringFieldIndex{Field: "Status"}, &memdb.UintFieldIndex{Field: "ID"}}}},
				IndexOwner: {Name: IndexOwner, Indexer: &memdb.CompoundIndex{Indexes: []memdb.Indexer{
					protoField(), &memdb.StringFieldIndex{Field: "Owner"}, &memdb.UintFieldIndex{Field: "ID"}}}},
			},
		},
	}}
}

// NewDB returns an empty database with Schema.
func NewDB() *memdb.MemDB {
	db, err := memdb.NewMemDB(Schema())
	if err != nil {
		panic(fmt.Sprintf("book: schema: %v", err)) // static schema: a bug
	}
	return db
}

// Exact makes the last string of a compound prefix lookup match whole
// (go-memdb's string indexes end every value with a zero byte).
func Exact(s string) string { return s + "\x00" }
