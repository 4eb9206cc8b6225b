package report

import (
	"os"
	"path/filepath"
	"testing"
)

// TestReadLST: per-protocol series and bunker spans from lst.csv, none
// without the file.
func TestReadLST(t *testing.T) {
	dir := t.TempDir()
	if ps, err := readLST(dir, 1, nil); err != nil || ps != nil {
		t.Fatalf("no lst.csv: %v %v", ps, err)
	}
	csv := "epoch,protocol,kind,total_pooled_gwei,beacon_balance_gwei,buffered_gwei,total_shares,share_rate,validators_active,validators_exiting,withdrawal_queue_gwei,withdrawal_requests_pending,finalized_gwei,oldest_request_wait_epochs,bunker,last_rebase_gwei,fees_gwei\n" +
		"0,lido,lst,32000000000,32000000000,0,32000000000,1.000000000000000000,1,0,0,0,0,0,0,0,0\n" +
		"1,lido,lst,31000000000,31000000000,0,32000000000,0.968750000000000000,1,0,5000000000,1,0,0,1,-1000000000,0\n" +
		"2,lido,lst,31000000000,31000000000,0,32000000000,0.968750000000000000,1,0,5000000000,1,0,1,1,0,0\n" +
		"3,lido,lst,31000000000,31000000000,0,32000000000,0.968750000000000000,1,0,0,0,4843750000,0,0,0,0\n"
	if err := os.WriteFile(filepath.Join(dir, lstFile), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	ps, err := readLST(dir, 1, nil)
	if err != nil || len(ps) != 1 {
		t.Fatalf("%v %v", ps, err)
	}
	p := ps[0]
	if len(p.bunker) != 1 || p.bunker[0].From != 1 || p.bunker[0].To != 3 {
		t.Errorf("bunker spans %+v, want [1, 3)", p.bunker)
	}
	if pts := p.rate.points(); len(pts) != 4 || pts[1].Y != 0.96875 {
		t.Errorf("rate %+v", pts)
	}
	if pts := p.queue.points(); pts[1].Y != 5 {
		t.Errorf("queue %+v", pts)
	}
}

// TestReadMarket: per-pool series from market.csv, none without it.
func TestReadMarket(t *testing.T) {
	dir := t.TempDir()
	if ps, err := readMarket(dir, 1, nil); err != nil || ps != nil {
		t.Fatalf("no market.csv: %v %v", ps, err)
	}
	csv := "epoch,pool,a,fee_bps,reserve_eth_gwei,reserve_token_gwei,lp_supply,price_sell_1,volume_gwei,fees_gwei\n" +
		"0,curve,50,4,1000000000000,1000000000000,2000000000000,0.999600000,0,0\n" +
		"1,curve,50,4,220000000000,780000000000,2000000000000,0.954000000,5000000000,2000000\n"
	if err := os.WriteFile(filepath.Join(dir, marketFile), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	ps, err := readMarket(dir, 1, nil)
	if err != nil || len(ps) != 1 {
		t.Fatalf("%v %v", ps, err)
	}
	if pts := ps[0].price.points(); len(pts) != 2 || pts[1].Y != 0.954 {
		t.Errorf("price %+v", pts)
	}
	if pts := ps[0].eth.points(); pts[1].Y != 220 {
		t.Errorf("eth %+v", pts)
	}
}
